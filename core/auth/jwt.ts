/**
 * Dashboard JWTs: HS256, claims `sub`, `tenant`, `scopes`. Signing and
 * verification share one pre-built KeyObject so the hot path does not
 * re-derive the key on each request.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

export interface JwtClaims {
  sub: string;
  tenant: string;
  scopes: string[];
}

export function jwtKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

export function signJwt(key: KeyObject, claims: JwtClaims, ttlSeconds: number): string {
  return jwt.sign({ tenant: claims.tenant, scopes: claims.scopes }, key, {
    algorithm: 'HS256',
    subject: claims.sub,
    expiresIn: ttlSeconds,
  });
}

export function isJwtClaims(value: unknown): value is JwtClaims & { exp: number } {
  const v = value as Partial<JwtClaims>;
  return (
    typeof v === 'object' && v !== null &&
    typeof v.sub === 'string' && typeof v.tenant === 'string' &&
    Array.isArray(v.scopes) && v.scopes.every((s) => typeof s === 'string')
  );
}
