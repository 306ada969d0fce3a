import type { DbOrTx } from '../knex.js';
import { toIso } from '../knex.js';

export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  revokedAt: string | null;
}

function toRecord(row: Record<string, unknown>): ApiKeyRecord {
  return {
    id: String(row.id),
    tenantId: String(row.tenant_id),
    name: String(row.name),
    prefix: String(row.prefix),
    scopes: JSON.parse(String(row.scopes)) as string[],
    createdAt: toIso(row.created_at)!,
    revokedAt: toIso(row.revoked_at),
  };
}

export class ApiKeysRepo {
  constructor(private readonly db: DbOrTx) {}

  async insert(key: Omit<ApiKeyRecord, 'createdAt' | 'revokedAt'> & { keyHash: string }): Promise<ApiKeyRecord> {
    const row = {
      id: key.id,
      tenant_id: key.tenantId,
      name: key.name,
      prefix: key.prefix,
      key_hash: key.keyHash,
      scopes: JSON.stringify(key.scopes),
      created_at: new Date(),
      revoked_at: null,
    };
    await this.db('api_keys').insert(row);
    return toRecord(row);
  }

  /** The active (not revoked) key with this hash. */
  async findActiveByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.db('api_keys').where({ key_hash: keyHash }).whereNull('revoked_at').first();
    return row ? toRecord(row) : undefined;
  }

  async listForTenant(tenantId: string): Promise<ApiKeyRecord[]> {
    return (await this.db('api_keys').where({ tenant_id: tenantId }).orderBy('created_at')).map(toRecord);
  }

  async findForTenant(tenantId: string, id: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.db('api_keys').where({ tenant_id: tenantId, id }).first();
    return row ? toRecord(row) : undefined;
  }

  /** Which of these key ids are still active (exist and not revoked). */
  async activeIds(ids: string[]): Promise<Set<string>> {
    const active = new Set<string>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = (await this.db('api_keys').select('id').whereIn('id', ids.slice(i, i + 500)).whereNull('revoked_at')) as Array<{ id: string }>;
      for (const r of rows) active.add(r.id);
    }
    return active;
  }

  /** Revokes by id or by the key's display prefix; returns whether a key was revoked now. */
  async revoke(tenantId: string, idOrPrefix: string): Promise<boolean> {
    const count = await this.db('api_keys')
      .where({ tenant_id: tenantId })
      .andWhere((q) => q.where({ id: idOrPrefix }).orWhere({ prefix: idOrPrefix }))
      .whereNull('revoked_at')
      .update({ revoked_at: new Date() });
    return count > 0;
  }
}
