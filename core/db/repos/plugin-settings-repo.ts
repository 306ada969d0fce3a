/**
 * Per-tenant plugin settings rows. The repository stores and returns the
 * credentials envelope as opaque text; encryption and decryption happen in
 * core/plugins/settings-service.ts, so plaintext never reaches this layer.
 */
import type { DbOrTx } from '../knex.js';
import { toIso } from '../knex.js';

export interface PluginSettingsRow {
  tenantId: string;
  pluginId: string;
  enabled: boolean;
  config: Record<string, unknown> | null;
  credentialsCiphertext: string | null;
  credentialsKeyId: string | null;
  credentialFields: string[];
  createdAt: string;
  updatedAt: string;
}

export type PluginSettingsChange = Partial<Pick<PluginSettingsRow, 'enabled' | 'config' | 'credentialsCiphertext' | 'credentialsKeyId' | 'credentialFields'>>;

function toRow(row: Record<string, unknown>): PluginSettingsRow {
  return {
    tenantId: String(row.tenant_id),
    pluginId: String(row.plugin_id),
    enabled: row.enabled === true || row.enabled === 1 || row.enabled === '1',
    config: row.config ? (JSON.parse(String(row.config)) as Record<string, unknown>) : null,
    credentialsCiphertext: row.credentials_ciphertext ? String(row.credentials_ciphertext) : null,
    credentialsKeyId: row.credentials_key_id ? String(row.credentials_key_id) : null,
    credentialFields: row.credential_fields ? (JSON.parse(String(row.credential_fields)) as string[]) : [],
    createdAt: toIso(row.created_at)!,
    updatedAt: toIso(row.updated_at)!,
  };
}

function toColumns(change: PluginSettingsChange): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  if (change.enabled !== undefined) columns.enabled = change.enabled;
  if (change.config !== undefined) columns.config = change.config === null ? null : JSON.stringify(change.config);
  if (change.credentialsCiphertext !== undefined) columns.credentials_ciphertext = change.credentialsCiphertext;
  if (change.credentialsKeyId !== undefined) columns.credentials_key_id = change.credentialsKeyId;
  if (change.credentialFields !== undefined) columns.credential_fields = JSON.stringify(change.credentialFields);
  return columns;
}

export class PluginSettingsRepo {
  constructor(private readonly db: DbOrTx) {}

  async get(tenantId: string, pluginId: string): Promise<PluginSettingsRow | undefined> {
    const row = await this.db('plugin_settings').where({ tenant_id: tenantId, plugin_id: pluginId }).first();
    return row ? toRow(row) : undefined;
  }

  async listForTenant(tenantId: string): Promise<PluginSettingsRow[]> {
    return (await this.db('plugin_settings').where({ tenant_id: tenantId })).map(toRow);
  }

  /** Inserts the row or changes only the given columns of an existing one. */
  async upsert(tenantId: string, pluginId: string, change: PluginSettingsChange): Promise<PluginSettingsRow> {
    const now = new Date();
    const columns = toColumns(change);
    await this.db('plugin_settings')
      .insert({ tenant_id: tenantId, plugin_id: pluginId, enabled: true, credential_fields: '[]', ...columns, created_at: now, updated_at: now })
      .onConflict(['tenant_id', 'plugin_id'])
      .merge({ ...columns, updated_at: now });
    return (await this.get(tenantId, pluginId))!;
  }

  /** Rows whose credentials are under a key other than `activeKid` (for re-encryption). */
  async listStaleCredentials(activeKid: string, limit: number): Promise<PluginSettingsRow[]> {
    const rows = await this.db('plugin_settings')
      .whereNotNull('credentials_ciphertext')
      .andWhere((q) => q.whereNot('credentials_key_id', activeKid).orWhereNull('credentials_key_id'))
      .orderBy([{ column: 'tenant_id' }, { column: 'plugin_id' }])
      .limit(limit);
    return rows.map(toRow);
  }

  /** Replaces an envelope only if it is still the one that was read (no lost update during rotation). */
  async replaceCiphertext(tenantId: string, pluginId: string, expected: string, next: { ciphertext: string; keyId: string }): Promise<boolean> {
    const count = await this.db('plugin_settings')
      .where({ tenant_id: tenantId, plugin_id: pluginId, credentials_ciphertext: expected })
      .update({ credentials_ciphertext: next.ciphertext, credentials_key_id: next.keyId, updated_at: new Date() });
    return count > 0;
  }
}
