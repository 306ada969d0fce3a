/**
 * Maps every failure to `{ error: { code, message, details } }`. HubErrors keep
 * their status; Koa/http-errors with a 4xx status are mapped by status; anything
 * else is a 500 with a generic message and an error log carrying the request id.
 */
import type { Context, Middleware, Next } from 'koa';
import { HubError, errorBody, isHubError, type ErrorCode } from '../../errors.js';

const codeByStatus: Record<number, ErrorCode> = {
  400: 'HUB_ERR_HTTP_MALFORMED_BODY',
  401: 'HUB_ERR_AUTH_INVALID',
  403: 'HUB_ERR_AUTH_SCOPE',
  404: 'HUB_ERR_HTTP_ROUTE_NOT_FOUND',
  405: 'HUB_ERR_HTTP_METHOD_NOT_ALLOWED',
  413: 'HUB_ERR_HTTP_BODY_TOO_LARGE',
  415: 'HUB_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE',
  429: 'HUB_ERR_RATE_LIMITED',
  503: 'HUB_ERR_DEPENDENCY_DOWN',
};

export function toHubError(err: unknown): HubError {
  if (isHubError(err)) return err;
  const status = (err as { status?: number; statusCode?: number })?.status ?? (err as { statusCode?: number })?.statusCode;
  if (typeof status === 'number' && codeByStatus[status]) {
    return new HubError(codeByStatus[status], { cause: err });
  }
  return new HubError('HUB_ERR_INTERNAL', { cause: err });
}

export function errorHandler(): Middleware {
  return async function errorHandlerMiddleware(ctx: Context, next: Next) {
    try {
      await next();
      if (ctx.body === undefined || ctx.body === null) {
        if (ctx.status === 404) throw new HubError('HUB_ERR_HTTP_ROUTE_NOT_FOUND', { message: `No route for ${ctx.method} ${ctx.path}` });
        // The router answers 405/501 with an Allow header and no body.
        if (ctx.status === 405 || ctx.status === 501) throw new HubError('HUB_ERR_HTTP_METHOD_NOT_ALLOWED', { message: `${ctx.method} is not allowed on ${ctx.path}` });
      }
    } catch (err) {
      const hubError = toHubError(err);
      const log = ctx.state.log ?? console;
      if (hubError.status >= 500) log.error({ err, code: hubError.code }, 'request failed');
      else log.warn({ code: hubError.code, status: hubError.status }, hubError.message);
      ctx.status = hubError.status;
      ctx.set(hubError.headers);
      ctx.body = errorBody(hubError);
    }
  };
}
