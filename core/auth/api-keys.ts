/**
 * API keys: `sy_<prefix>_<secret>`. Only a SHA-256 of the whole key is stored;
 * the key is shown once at creation. Verified keys are cached in-process for a
 * short time (API_KEY_CACHE_MS) so that an authenticated read costs one hash
 * and one map lookup; the cache bounds how long a revoked key keeps working.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Db } from '../db/knex.js';
import { ApiKeysRepo, type ApiKeyRecord } from '../db/repos/api-keys-repo.js';
import type { Principal } from './principal.js';

const KEY_PATTERN = /^sy_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{43})$/;

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith('sy_');
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export interface CreatedApiKey {
  record: ApiKeyRecord;
  /** The plaintext key: returned once, never stored. */
  key: string;
}

export async function createApiKey(db: Db, tenantId: string, name: string, scopeList: string[]): Promise<CreatedApiKey> {
  const prefix = randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 8);
  const key = `sy_${prefix}_${randomBytes(32).toString('base64url')}`;
  const record = await new ApiKeysRepo(db).insert({ id: randomUUID(), tenantId, name, prefix, scopes: scopeList, keyHash: hashApiKey(key) });
  return { record, key };
}

export class ApiKeyVerifier {
  private readonly cache: LRUCache<string, Principal | false> | undefined;

  constructor(
    private readonly db: Db,
    cacheMs: number,
  ) {
    this.cache = cacheMs > 0 ? new LRUCache({ max: 10_000, ttl: cacheMs }) : undefined;
  }

  /** The principal for this key, or undefined when it is malformed, unknown or revoked. */
  async verify(key: string): Promise<Principal | undefined> {
    if (!KEY_PATTERN.test(key)) return undefined;
    const hash = hashApiKey(key);
    const cached = this.cache?.get(hash);
    if (cached !== undefined) return cached || undefined;
    const record = await new ApiKeysRepo(this.db).findActiveByHash(hash);
    const principal: Principal | false = record
      ? { tenantId: record.tenantId, scopes: new Set(record.scopes), subject: `key:${record.id}`, kind: 'api_key' }
      : false;
    this.cache?.set(hash, principal);
    return principal || undefined;
  }

  /** Drops cached verdicts, e.g. after a revocation through this process. */
  forget(): void {
    this.cache?.clear();
  }
}
