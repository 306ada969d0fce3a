/**
 * Finds who an inbound request is for: the tenant (by slug), the connector's
 * webhook definition (through the plugin registry; the built-in `generic`
 * connector is this feature's own HMAC source) and a context carrying the
 * tenant's decrypted credentials. Tenant slugs and generic sources are cached
 * for WEBHOOKS_SOURCE_CACHE_MS. The connector context is asked of the plugin
 * registry on every request: its settings service caches the stored row and
 * drops it on writes, so a credential change applies at once.
 * A tenant that has not configured the connector gets a context without
 * credentials: verification then fails closed.
 */
import { LRUCache } from 'lru-cache';
import type { Db } from '../../core/db/knex.js';
import type { ConnectorContext, WebhookDefinition } from '../../core/sdk/index.js';
import { signalGetter } from '../../core/plugins/context.js';
import { TenantsRepo } from '../../core/db/repos/tenants-repo.js';
import type { Logger } from '../../core/logger.js';
import { GenericSourcesStore, genericNormalize, genericVerify } from '../generic/generic-sources.js';

/** What the registry offers for webhook handling (core/plugins PluginRegistry). */
export interface WebhookConnectorSource {
  connectorWebhook(connectorId: string): WebhookDefinition | undefined;
  getConnectorContext(tenantId: string, connectorId: string): Promise<ConnectorContext>;
}

export interface ResolvedSource {
  tenantId: string;
  connector: string;
  source: string;
  webhook: WebhookDefinition;
  ctx: ConnectorContext;
}

export const GENERIC_CONNECTOR = 'generic';
const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

function bareContext(pluginId: string, tenantId: string, logger: Logger): ConnectorContext {
  const signal = signalGetter(undefined);
  return {
    pluginId, tenantId, config: {}, credentials: {}, logger,
    http: { request: async () => { throw new Error('no HTTP during webhook verification'); } },
    emit: () => undefined,
    get signal() {
      return signal();
    },
  };
}

export class SourceResolver {
  private readonly tenants: LRUCache<string, { id: string | null }>;
  private readonly generic: LRUCache<string, { def: WebhookDefinition | null }>;

  constructor(
    private readonly db: Db,
    private readonly connectors: WebhookConnectorSource,
    private readonly genericSources: GenericSourcesStore,
    private readonly logger: Logger,
    cacheMs: number,
  ) {
    const ttl = Math.max(1, cacheMs);
    this.tenants = new LRUCache({ max: 10_000, ttl });
    this.generic = new LRUCache({ max: 10_000, ttl });
  }

  /** Undefined when the tenant, connector or source does not exist (→ 404). */
  async resolve(tenantSlug: string, connector: string, source: string | undefined): Promise<ResolvedSource | undefined> {
    if (!NAME.test(connector) || (source !== undefined && !NAME.test(source)) || tenantSlug.length > 64) return undefined;
    const tenantId = await this.tenantId(tenantSlug);
    if (!tenantId) return undefined;
    return this.forTenant(tenantId, connector, source);
  }

  /** Like resolve, for a known tenant id (replays of stored requests). */
  async forTenant(tenantId: string, connector: string, source: string | undefined): Promise<ResolvedSource | undefined> {
    if (connector === GENERIC_CONNECTOR) {
      if (!source) return undefined;
      const def = await this.genericDefinition(tenantId, source);
      return def ? { tenantId, connector, source, webhook: def, ctx: bareContext(connector, tenantId, this.logger) } : undefined;
    }
    if (source !== undefined) return undefined;
    const webhook = this.connectors.connectorWebhook(connector);
    if (!webhook) return undefined;
    return { tenantId, connector, source: '', webhook, ctx: await this.context(tenantId, connector) };
  }

  /** Drops cached entries (after source changes in this process). */
  forget(): void {
    this.tenants.clear();
    this.generic.clear();
  }

  private async tenantId(slug: string): Promise<string | null> {
    const hit = this.tenants.get(slug);
    if (hit) return hit.id;
    const tenant = await new TenantsRepo(this.db).findBySlug(slug);
    this.tenants.set(slug, { id: tenant?.id ?? null });
    return tenant?.id ?? null;
  }

  private async context(tenantId: string, connector: string): Promise<ConnectorContext> {
    try {
      return await this.connectors.getConnectorContext(tenantId, connector);
    } catch (err) {
      // The tenant may be configuring the connector right now.
      this.logger.debug({ connector, err: (err as Error).message }, 'webhook: connector not usable for this tenant; verification will fail closed');
      return bareContext(connector, tenantId, this.logger);
    }
  }

  private async genericDefinition(tenantId: string, name: string): Promise<WebhookDefinition | undefined> {
    const key = `${tenantId}:${name}`;
    const hit = this.generic.get(key);
    if (hit) return hit.def ?? undefined;
    const source = await this.genericSources.byName(tenantId, name);
    const def: WebhookDefinition | null = source
      ? { methods: ['POST'], verify: (req) => genericVerify(source, req), normalize: (req) => genericNormalize(source, req) }
      : null;
    this.generic.set(key, { def });
    return def ?? undefined;
  }
}
