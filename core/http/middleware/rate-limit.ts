/**
 * Rate limits per client IP (before authentication) and per principal (after).
 * With REDIS_URL the counters live in Redis (rate-limiter-flexible), so the
 * limit holds across several hub processes; if Redis stops answering, an
 * in-memory insurance limiter takes over instead of failing every request.
 * Without Redis the counters are in-process.
 */
import type { Context, Middleware, Next } from 'koa';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { HubError } from '../../errors.js';
import type { Principal } from '../../auth/principal.js';

export interface RateLimitOptions {
  name: string;
  /** QUEUE_PREFIX: the processes of one deployment share budgets; another deployment on the same Redis does not. */
  prefix: string;
  pointsPerMinute: number;
  redis?: Redis;
}

export function createLimiter(options: RateLimitOptions): RateLimiterAbstract {
  const base = { points: options.pointsPerMinute, duration: 60, keyPrefix: `${options.prefix}:rl:${options.name}` };
  if (!options.redis) return new RateLimiterMemory(base);
  return new RateLimiterRedis({
    ...base,
    storeClient: options.redis,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory(base),
  });
}

async function consume(limiter: RateLimiterAbstract, key: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (res) {
    if (res instanceof RateLimiterRes) {
      const retryAfter = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
      throw new HubError('HUB_ERR_RATE_LIMITED', {
        message: `Rate limit reached; retry in ${retryAfter}s`,
        headers: { 'Retry-After': String(retryAfter) },
        details: { retryAfterSeconds: retryAfter },
      });
    }
    throw res;
  }
}

export function limitByIp(limiter: RateLimiterAbstract): Middleware {
  return async function limitByIpMiddleware(ctx: Context, next: Next) {
    await consume(limiter, ctx.ip || 'unknown');
    return next();
  };
}

export function limitByPrincipal(limiter: RateLimiterAbstract): Middleware {
  return async function limitByPrincipalMiddleware(ctx: Context, next: Next) {
    const principal = ctx.state.principal as Principal;
    await consume(limiter, principal.subject);
    return next();
  };
}
