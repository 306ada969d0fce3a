/**
 * Dashboard JWTs: HS256, claims `sub`, `tenant`, `scopes`. Signing and
 * verification share one pre-built KeyObject so the hot path does not
 * re-derive the key on each request.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Config } from '../config.js';
import { generatedSecret } from '../generated-secrets.js';

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

export function isJwtClaims(value: unknown): value is JwtClaims & { exp: number } {
  const v = value as Partial<JwtClaims>;
  return (
    typeof v === 'object' && v !== null &&
    typeof v.sub === 'string' && typeof v.tenant === 'string' &&
    Array.isArray(v.scopes) && v.scopes.every((s) => typeof s === 'string')
  );
}
