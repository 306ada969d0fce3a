/**
 * Resolves the caller to a Principal. API keys (`X-Api-Key: sy_...` or
 * `Authorization: Bearer sy_...`) are checked by hash against storage with a
 * short cache; any other bearer token is a JWT verified by koa-jwt with the
 * pre-built HS256 key, through the shared verifier of core/auth/jwt.ts (which
 * remembers verified tokens and re-checks `exp`/`nbf` on every hit, as the
 * realtime handshake does). Missing or bad credentials are 401, never a
 * fallthrough.
 */
import type { Context, Middleware, Next } from 'koa';
import koaJwt from 'koa-jwt';
import type { KeyObject } from 'node:crypto';
import { HubError } from '../../errors.js';
import { looksLikeApiKey, type ApiKeyVerifier } from '../../auth/api-keys.js';
import { createJwtVerifier } from '../../auth/jwt.js';

function bearerToken(ctx: Context): string | undefined {
  const header = ctx.get('authorization');
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new HubError('HUB_ERR_AUTH_INVALID', { message: 'The Authorization header must be "Bearer <token>"' });
  return match[1];
}

export function createAuthenticator(apiKeys: ApiKeyVerifier, jwtKey: KeyObject): Middleware {
  const jwts = createJwtVerifier(jwtKey);
  const koaVerify = koaJwt({
    secret: jwtKey as unknown as string,
    algorithms: ['HS256'],
    passthrough: true,
    key: 'jwt',
    getToken: (ctx: Context) => bearerToken(ctx) ?? null,
  });
  /** koa-jwt's verification of the request's bearer token, as a JwtDecode: its error rethrown, its claims returned. */
  const decodeWithKoaJwt = (ctx: Context) => async (): Promise<unknown> => {
    await koaVerify(ctx, async () => {});
    if (ctx.state.jwtOriginalError) throw ctx.state.jwtOriginalError;
    return ctx.state.jwt;
  };

  return async function authenticate(ctx: Context, next: Next) {
    const headerKey = ctx.get('x-api-key');
    const bearer = headerKey ? undefined : bearerToken(ctx);
    const token = headerKey || bearer;
    if (!token) throw new HubError('HUB_ERR_AUTH_MISSING', { message: 'Send an API key (X-Api-Key) or a bearer token' });

    if (headerKey || looksLikeApiKey(token)) {
      const principal = await apiKeys.verify(token);
      if (!principal) throw new HubError('HUB_ERR_AUTH_INVALID', { message: 'The API key is invalid or revoked' });
      ctx.state.principal = principal;
      return next();
    }

    const verified = await jwts.verify(token, decodeWithKoaJwt(ctx));
    ctx.state.jwt = verified.claims; // what koa-jwt sets, also on a cache hit
    ctx.state.principal = verified.principal;
    return next();
  };
}
