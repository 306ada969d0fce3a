/**
 * Dashboard JWTs: HS256, claims `sub`, `tenant`, `scopes`. Signing and
 * verification share one pre-built KeyObject so the hot path does not
 * re-derive the key on each request.
 *
 * Verification (createJwtVerifier) is shared by the REST API and the realtime
 * handshake. A dashboard sends the same JWT on every request for the token's
 * life, and jsonwebtoken verification costs about as much CPU as the rest of
 * the request (bench/http). So a token that verified is remembered by its
 * exact string: the same string carries the same signature, already checked
 * against the one key this verifier uses, and `exp`/`nbf` are re-checked on
 * every hit the way jsonwebtoken checks them. Only successes are cached, so
 * forged or junk tokens always take the full path and cannot fill the cache.
 *
 * A token without `exp` is accepted (as jsonwebtoken accepts it) and never
 * expires: the realtime server then sets no expiry timer for its socket.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import type { Config } from '../config.js';
import { HubError } from '../errors.js';
import { generatedSecret } from '../generated-secrets.js';
import type { Principal } from './principal.js';

export interface JwtClaims {
  sub: string;
  tenant: string;
  scopes: string[];
}

export function jwtKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

/** The hub's signing key: JWT_SECRET, or in embedded mode the secret generated once into DATA_DIR. */
export function configuredJwtKey(config: Pick<Config, 'jwtSecret' | 'dataDir'>): KeyObject {
  return jwtKey(config.jwtSecret ?? generatedSecret(config.dataDir, 'jwtSecret'));
}

export function signJwt(key: KeyObject, claims: JwtClaims, ttlSeconds: number): string {
  return jwt.sign({ tenant: claims.tenant, scopes: claims.scopes }, key, {
    algorithm: 'HS256',
    subject: claims.sub,
    expiresIn: ttlSeconds,
  });
}

function isJwtClaims(value: unknown): value is JwtClaims & { exp?: number } {
  const v = value as Partial<JwtClaims> & { exp?: unknown };
  return (
    typeof v === 'object' && v !== null &&
    typeof v.sub === 'string' && typeof v.tenant === 'string' &&
    Array.isArray(v.scopes) && v.scopes.every((s) => typeof s === 'string') &&
    (v.exp === undefined || typeof v.exp === 'number')
  );
}

/** The verified claims as decoded, with the registered times jsonwebtoken checks. */
export type VerifiedClaims = JwtClaims & { exp?: number; nbf?: unknown };

export interface VerifiedJwt {
  principal: Principal;
  /** Epoch seconds at which the token expires; undefined for a token without `exp` (it never does). */
  exp: number | undefined;
  claims: VerifiedClaims;
}

/**
 * Decodes and verifies one token, throwing jsonwebtoken's errors
 * (TokenExpiredError, JsonWebTokenError, ...). The default is jsonwebtoken
 * with HS256 only and the verifier's key; the REST API passes koa-jwt's
 * verification of the same token with the same key and options.
 */
export type JwtDecode = (token: string) => Promise<unknown>;

export interface JwtVerifier {
  /** The token's principal and `exp`, or HUB_ERR_AUTH_INVALID "The token has expired" / "The token is invalid". */
  verify(token: string, decode?: JwtDecode): Promise<VerifiedJwt>;
}

function invalidToken(expired: boolean): HubError {
  return new HubError('HUB_ERR_AUTH_INVALID', { message: expired ? 'The token has expired' : 'The token is invalid' });
}

/** Whether jsonwebtoken would now reject a token it accepted earlier: `exp` reached (TokenExpiredError) or `nbf` ahead. */
function lapsedSinceVerified(claims: VerifiedClaims): 'expired' | 'not-yet' | undefined {
  const now = Math.floor(Date.now() / 1000); // jsonwebtoken's clock, with no tolerance configured
  if (typeof claims.exp === 'number' && now >= claims.exp) return 'expired';
  if (typeof claims.nbf === 'number' && claims.nbf > now) return 'not-yet';
  return undefined;
}

/** Verifies dashboard JWTs against `key` (HS256 only), remembering tokens that verified. */
export function createJwtVerifier(key: KeyObject, cacheSize = 10_000): JwtVerifier {
  const verified = new LRUCache<string, VerifiedJwt>({ max: cacheSize });
  const byJsonwebtoken: JwtDecode = async (token) => jwt.verify(token, key, { algorithms: ['HS256'] });

  return {
    async verify(token, decode = byJsonwebtoken) {
      const known = verified.get(token);
      if (known) {
        const lapsed = lapsedSinceVerified(known.claims);
        if (lapsed) {
          verified.delete(token);
          throw invalidToken(lapsed === 'expired');
        }
        return known;
      }
      let claims: unknown;
      try {
        claims = await decode(token);
      } catch (err) {
        throw invalidToken((err as Error | undefined)?.name === 'TokenExpiredError');
      }
      if (!isJwtClaims(claims)) throw invalidToken(false);
      const result: VerifiedJwt = {
        principal: { tenantId: claims.tenant, scopes: new Set(claims.scopes), subject: `jwt:${claims.sub}`, kind: 'jwt' },
        exp: claims.exp,
        claims,
      };
      verified.set(token, result);
      return result;
    },
  };
}
