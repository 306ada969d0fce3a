/**
 * Gives every request an id (the caller's X-Request-Id when it is sane, else a
 * new UUID), echoes it back, and logs one line per request with its outcome.
 */
import { randomUUID } from 'node:crypto';
import type { Context, Middleware, Next } from 'koa';
import type { Logger } from '../../logger.js';

const SANE_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function requestContext(logger: Logger): Middleware {
  return async function requestContextMiddleware(ctx: Context, next: Next) {
    const incoming = ctx.get('x-request-id');
    const requestId = SANE_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    // The child logger is made when something logs: most requests log nothing
    // at the default level, and a pino child costs more than a webhook's ack.
    let log: Logger | undefined;
    Object.defineProperty(ctx.state, 'log', { get: () => (log ??= logger.child({ requestId })), enumerable: true, configurable: true });
    ctx.set('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const level = ctx.status >= 500 ? 'error' : 'debug';
      if (logger.isLevelEnabled(level)) {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        ctx.state.log[level]({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 100) / 100 }, 'request');
      }
    }
  };
}
