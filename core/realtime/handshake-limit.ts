/**
 * Rate limit for Socket.IO handshakes per client IP. Socket.IO answers its
 * own HTTP requests before Koa sees them, so the HTTP per-IP limit does not
 * cover handshakes; each one costs a credential check, so a flood of them is
 * refused here with HUB_ERR_RATE_LIMITED (and `retryAfterSeconds`).
 */
import type { Socket } from 'socket.io';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { socketError } from './handshake-auth.js';

function clientIp(socket: Socket, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = socket.handshake.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return socket.handshake.address || 'unknown';
}

export function handshakeRateLimit(limiter: RateLimiterAbstract, trustProxy: boolean) {
  return (socket: Socket, next: (err?: Error) => void): void => {
    limiter.consume(clientIp(socket, trustProxy)).then(
      () => next(),
      (res: unknown) => {
        if (!(res instanceof RateLimiterRes)) return next(socketError('HUB_ERR_DEPENDENCY_DOWN', 'The rate limiter is unavailable'));
        const retryAfterSeconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
        const err = socketError('HUB_ERR_RATE_LIMITED', `Too many connections; retry in ${retryAfterSeconds}s`);
        (err.data as Record<string, unknown>).retryAfterSeconds = retryAfterSeconds;
        next(err);
      },
    );
  };
}
