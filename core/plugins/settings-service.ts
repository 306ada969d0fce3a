/**
 * Per-tenant plugin settings: enabled flag, config and credentials, each
 * validated against the plugin's own schemas before anything is written
 * (a 400 with field paths changes nothing). Credentials are encrypted here,
 * bound to tenant + plugin, and only decrypted for a call; what leaves this
 * service for the API is the list of field names that are set.
 *
 * Every agent task and connector call needs the tenant's settings, so the
 * stored row (ciphertext, never plaintext) is cached for
 * PLUGIN_SETTINGS_CACHE_MS; writes through this process drop the entry at once,
 * writes through another process take effect within the cache time.
 */
import { LRUCache } from 'lru-cache';
import type { Db } from '../db/knex.js';
import { PluginSettingsRepo, type PluginSettingsRow } from '../db/repos/plugin-settings-repo.js';
import { HubError } from '../errors.js';
import { assertValid, fieldProblems } from '../http/validation.js';
import { decryptJson, encryptJson } from '../secrets/cipher.js';
import type { Keyring } from '../secrets/keyring.js';
import type { PluginRecord } from './plugin-record.js';

/** What the API may show about a tenant's settings of one plugin. */
export interface TenantPluginSettings {
  enabled: boolean;
  config: Record<string, unknown>;
  /** Names of the credential fields that are set; never their values. */
  credentialFields: string[];
  updatedAt: string | null;
}

/** What a call gets: config with schema defaults filled and decrypted credentials. */
export interface CallSettings {
  config: Record<string, unknown>;
  credentials: Record<string, unknown>;
}

function aad(tenantId: string, pluginId: string): string {
  return `switchyard:plugin-credentials:${tenantId}:${pluginId}`;
}

/** The API's view of a stored row; no row means the defaults (enabled, no config, no credentials). */
function toView(row: PluginSettingsRow | undefined): TenantPluginSettings {
  return { enabled: row?.enabled ?? true, config: row?.config ?? {}, credentialFields: row?.credentialFields ?? [], updatedAt: row?.updatedAt ?? null };
}

export class PluginSettingsService {
  private readonly repo: PluginSettingsRepo;
  /** `tenant:plugin` → stored row, or null when the tenant never changed the plugin's settings. */
  private readonly rows: LRUCache<string, PluginSettingsRow | { none: true }> | undefined;
  /** Validated config JSON per settings row (or per plugin without one); see validatedConfig. */
  private readonly configJson = new WeakMap<object, string>();
  /**
   * Decrypted credentials per settings row, frozen: decrypted once per row as
   * read, not on every call (every inbound webhook asks for them). The entry
   * lives exactly as long as the cached row, so a credential change through
   * the API applies to the next call, as without it. Memory only: the
   * stored credentials stay encrypted.
   */
  private readonly plainCredentials = new WeakMap<object, Readonly<Record<string, unknown>>>();

  constructor(db: Db, private readonly keyring: Keyring, cacheMs = 0) {
    this.repo = new PluginSettingsRepo(db);
    this.rows = cacheMs > 0 ? new LRUCache({ max: 50_000, ttl: cacheMs }) : undefined;
  }

  /**
   * The stored config with the schema's defaults applied, validated once per
   * row as read (or per plugin when the tenant has no row) rather than on
   * every call: agent tasks call this for every stage. Kept as JSON so that
   * each call gets its own copy (a plugin that changes its config object
   * changes nothing for the next call); a new row (the settings changed or
   * the row cache expired) is validated again.
   */
  private validatedConfig(record: PluginRecord, row: PluginSettingsRow | undefined): Record<string, unknown> {
    const key: object = row ?? record;
    let json = this.configJson.get(key);
    if (json === undefined) {
      const config = structuredClone(row?.config ?? {});
      const withDefaults = record.schemas?.configWithDefaults;
      if (withDefaults && !withDefaults(config)) {
        throw new HubError('HUB_ERR_PLUGIN_NOT_CONFIGURED', {
          message: `${record.id}: the stored config does not match the plugin's config schema; set it again`,
          details: fieldProblems(withDefaults.errors, '/config'),
        });
      }
      json = JSON.stringify(config);
      this.configJson.set(key, json);
    }
    return JSON.parse(json) as Record<string, unknown>;
  }

  private decryptedCredentials(tenantId: string, pluginId: string, row: PluginSettingsRow): Readonly<Record<string, unknown>> {
    let plain = this.plainCredentials.get(row);
    if (!plain) {
      plain = Object.freeze(decryptJson<Record<string, unknown>>(this.keyring, row.credentialsCiphertext!, aad(tenantId, pluginId)));
      this.plainCredentials.set(row, plain);
    }
    return plain;
  }

  private async cachedRow(tenantId: string, pluginId: string): Promise<PluginSettingsRow | undefined> {
    const key = `${tenantId}:${pluginId}`;
    const hit = this.rows?.get(key);
    if (hit) return 'none' in hit ? undefined : hit;
    const row = await this.repo.get(tenantId, pluginId);
    this.rows?.set(key, row ?? { none: true });
    return row;
  }

  private forget(tenantId: string, pluginId: string): void {
    this.rows?.delete(`${tenantId}:${pluginId}`);
  }

  async view(tenantId: string, pluginId: string): Promise<TenantPluginSettings> {
    return toView(await this.repo.get(tenantId, pluginId));
  }

  /** Enabled flags of every plugin the tenant changed (others are enabled). */
  async enabledMap(tenantId: string): Promise<Map<string, boolean>> {
    return new Map((await this.repo.listForTenant(tenantId)).map((r) => [r.pluginId, r.enabled]));
  }

  async setEnabled(tenantId: string, pluginId: string, enabled: boolean): Promise<TenantPluginSettings> {
    const row = await this.repo.upsert(tenantId, pluginId, { enabled });
    this.forget(tenantId, pluginId);
    return toView(row);
  }

  async setConfig(tenantId: string, record: PluginRecord, config: Record<string, unknown>, root = '/body'): Promise<TenantPluginSettings> {
    const validate = record.schemas?.config;
    if (validate) assertValid(validate, config, root, 'config');
    else if (Object.keys(config).length > 0) {
      throw new HubError('HUB_ERR_VALIDATION_FAILED', { message: `${record.id} takes no config`, details: Object.keys(config).map((k) => ({ path: `${root}/${k}`, message: 'is not an allowed field' })) });
    }
    const row = await this.repo.upsert(tenantId, record.id, { config });
    this.forget(tenantId, record.id);
    return toView(row);
  }

  async setCredentials(tenantId: string, record: PluginRecord, credentials: Record<string, unknown>, root = '/body'): Promise<TenantPluginSettings> {
    const validate = record.schemas?.credentials;
    if (!validate) throw new HubError('HUB_ERR_PLUGIN_WRONG_KIND', { message: `${record.id} is ${record.kind === 'agent' ? 'an agent' : 'not a connector'} and takes no credentials` });
    assertValid(validate, credentials, root, 'credentials'); // ajv messages never echo the submitted secret
    const fields = Object.keys(credentials).filter((k) => credentials[k] !== undefined && credentials[k] !== null && credentials[k] !== '').sort();
    const envelope = encryptJson(this.keyring, credentials, aad(tenantId, record.id));
    const row = await this.repo.upsert(tenantId, record.id, { credentialsCiphertext: envelope.text, credentialsKeyId: envelope.kid, credentialFields: fields });
    this.forget(tenantId, record.id);
    return toView(row);
  }

  async clearCredentials(tenantId: string, pluginId: string): Promise<TenantPluginSettings> {
    const row = await this.repo.upsert(tenantId, pluginId, { credentialsCiphertext: null, credentialsKeyId: null, credentialFields: [] });
    this.forget(tenantId, pluginId);
    return toView(row);
  }

  /**
   * Settings for one call. Throws HUB_ERR_PLUGIN_DISABLED for a disabled
   * plugin and HUB_ERR_PLUGIN_NOT_CONFIGURED when stored config or
   * credentials (or their absence) do not satisfy the plugin's schemas.
   */
  async forCall(tenantId: string, record: PluginRecord): Promise<CallSettings> {
    const row = await this.cachedRow(tenantId, record.id);
    if (row && !row.enabled) throw new HubError('HUB_ERR_PLUGIN_DISABLED', { message: `${record.id} is disabled for this tenant`, details: { plugin: record.id } });
    const config = this.validatedConfig(record, row);
    let credentials: Record<string, unknown> = {};
    if (record.kind === 'connector') {
      if (row?.credentialsCiphertext) credentials = this.decryptedCredentials(tenantId, record.id, row);
      const validate = record.schemas?.credentials;
      if (validate && !validate(credentials)) {
        throw new HubError('HUB_ERR_PLUGIN_NOT_CONFIGURED', {
          message: row?.credentialsCiphertext ? `${record.id}: the stored credentials no longer match the connector's schema; set them again` : `${record.id} has no credentials for this tenant; PUT /api/v1/plugins/${record.id}/credentials first`,
          details: fieldProblems(validate.errors, '/credentials'),
        });
      }
    }
    return { config, credentials };
  }

  /**
   * Re-encrypts every stored credential under the active key. Run after
   * putting a new key first in MASTER_KEYS; once it reports no failures the
   * old key can be removed from the list.
   */
  async rekeyCredentials(): Promise<{ rekeyed: number; failed: Array<{ tenantId: string; pluginId: string; code: string }> }> {
    const failed: Array<{ tenantId: string; pluginId: string; code: string }> = [];
    let rekeyed = 0;
    const rows = await this.repo.listStaleCredentials(this.keyring.active.kid, 1_000_000);
    for (const row of rows) {
      try {
        const plain = decryptJson(this.keyring, row.credentialsCiphertext!, aad(row.tenantId, row.pluginId));
        const next = encryptJson(this.keyring, plain, aad(row.tenantId, row.pluginId));
        if (await this.repo.replaceCiphertext(row.tenantId, row.pluginId, row.credentialsCiphertext!, { ciphertext: next.text, keyId: next.kid })) rekeyed += 1;
        this.forget(row.tenantId, row.pluginId);
      } catch (err) {
        failed.push({ tenantId: row.tenantId, pluginId: row.pluginId, code: (err as HubError).code ?? 'HUB_ERR_SECRETS_UNREADABLE' });
      }
    }
    return { rekeyed, failed };
  }
}
