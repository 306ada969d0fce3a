/**
 * Resolves the caller to a Principal. API keys (`X-Api-Key: sy_...` or
 * `Authorization: Bearer sy_...`) are checked by hash against storage with a
 * short cache; any other bearer token is a JWT verified by koa-jwt with the
 * pre-built HS256 key. Missing or bad credentials are 401, never a fallthrough.
 *
 * A dashboard sends the same JWT on every request for the token's life, and
 * koa-jwt/jsonwebtoken verification cost about as much CPU as the rest of the
 * request (bench/http). So a token that verified is remembered by its exact
 * string: the same string carries the same signature, already checked against
 * the one key this process uses, and `exp`/`nbf` are re-checked on every hit the
 * way jsonwebtoken checks them. Only successes are cached, so forged or junk
 * tokens always take the full path and cannot fill the cache.
 */
import type { Context, Middleware, Next } from 'koa';
import koaJwt from 'koa-jwt';
import type { KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { HubError } from '../../errors.js';
import { looksLikeApiKey, type ApiKeyVerifier } from '../../auth/api-keys.js';
import { isJwtClaims, type JwtClaims } from '../../auth/jwt.js';
import type { Principal } from '../../auth/principal.js';

function bearerToken(ctx: Context): string | undefined {
  const header = ctx.get('authorization');
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new HubError('HUB_ERR_AUTH_INVALID', { message: 'The Authorization header must be "Bearer <token>"' });
  return match[1];
}

interface VerifiedJwt {
  claims: JwtClaims & { exp?: unknown; nbf?: unknown };
  principal: Principal;
}

/** Whether jsonwebtoken would now reject a token it accepted earlier: `exp` reached (TokenExpiredError) or `nbf` ahead. */
function expiredSinceVerified(claims: VerifiedJwt['claims']): 'expired' | 'not-yet' | undefined {
  const now = Math.floor(Date.now() / 1000); // jsonwebtoken's clock, with no tolerance configured
  if (typeof claims.exp === 'number' && now >= claims.exp) return 'expired';
  if (typeof claims.nbf === 'number' && claims.nbf > now) return 'not-yet';
  return undefined;
}

export function createAuthenticator(apiKeys: ApiKeyVerifier, jwtKey: KeyObject): Middleware {
  const verifiedJwts = new LRUCache<string, VerifiedJwt>({ max: 10_000 });
  const verifyJwt = koaJwt({
    secret: jwtKey as unknown as string,
    algorithms: ['HS256'],
    passthrough: true,
    key: 'jwt',
    getToken: (ctx: Context) => bearerToken(ctx) ?? null,
  });

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

    const known = verifiedJwts.get(token);
    if (known) {
      const lapsed = expiredSinceVerified(known.claims);
      if (lapsed) {
        verifiedJwts.delete(token);
        throw new HubError('HUB_ERR_AUTH_INVALID', { message: lapsed === 'expired' ? 'The token has expired' : 'The token is invalid' });
      }
      ctx.state.jwt = known.claims; // what koa-jwt would have set
      ctx.state.principal = known.principal;
      return next();
    }

    await verifyJwt(ctx, async () => {});
    const claims: unknown = ctx.state.jwt;
    if (ctx.state.jwtOriginalError || !isJwtClaims(claims)) {
      const expired = (ctx.state.jwtOriginalError as Error | undefined)?.name === 'TokenExpiredError';
      throw new HubError('HUB_ERR_AUTH_INVALID', { message: expired ? 'The token has expired' : 'The token is invalid' });
    }
    const principal: Principal = { tenantId: claims.tenant, scopes: new Set(claims.scopes), subject: `jwt:${claims.sub}`, kind: 'jwt' };
    verifiedJwts.set(token, { claims, principal });
    ctx.state.principal = principal;
    return next();
  };
}
