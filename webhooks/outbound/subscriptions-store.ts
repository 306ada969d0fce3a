/**
 * Outbound webhook subscriptions of a tenant, and the tenant's outbound settings.
 *
 * matching() runs for every hub event (each run, stage and agent message
 * event), so a tenant's enabled subscriptions are cached in-process for
 * `matchingCacheMs` (default 2 s). Writes through this store (create, update,
 * remove, disable) drop the cached entries at once in this process; another
 * process (a second hub, a `switchyard worker`) sees such a change up to
 * `matchingCacheMs` later, so events published there in that window may miss a
 * new subscription or still be queued for one just disabled or changed (the
 * delivery engine re-reads the subscription per attempt and dead-letters
 * deliveries of disabled or deleted subscriptions).
 */
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Db } from '../../core/db/knex.js';
import { toIso } from '../../core/db/knex.js';
import { json, parseJson } from '../store/rows.js';
import type { SecretBox } from '../store/secret-box.js';

export interface Subscription {
  id: string;
  url: string;
  eventTypes: string[];
  description: string;
  enabled: boolean;
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface SubscriptionWithSecret extends Subscription {
  tenantId: string;
  secret: string;
}

const secretContext = (tenantId: string, id: string) => `webhook-subscription:${tenantId}:${id}`;

function toSubscription(r: Record<string, any>): Subscription {
  return {
    id: r.id, url: r.url, eventTypes: parseJson(r.event_types, []), description: r.description, enabled: Boolean(r.enabled),
    disabledReason: r.disabled_reason ?? null, createdAt: toIso(r.created_at)!, updatedAt: toIso(r.updated_at)!,
  };
}

export interface SubscriptionsStoreOptions {
  /** How long a tenant's enabled subscriptions are cached for matching() (0: not cached). */
  matchingCacheMs?: number;
}

export class SubscriptionsStore {
  /** Enabled subscriptions by tenant; the promise is cached so concurrent events share one read. */
  private readonly enabled: LRUCache<string, Promise<Subscription[]>> | undefined;

  constructor(private readonly db: Db, private readonly box: SecretBox, options: SubscriptionsStoreOptions = {}) {
    const ttl = options.matchingCacheMs ?? 2_000;
    this.enabled = ttl > 0 ? new LRUCache({ max: 10_000, ttl }) : undefined;
  }

  async create(tenantId: string, input: { url: string; eventTypes: string[]; secret: string; description?: string }): Promise<Subscription> {
    const now = new Date();
    const id = randomUUID();
    const row = {
      id, tenant_id: tenantId, url: input.url, event_types: json(input.eventTypes), secret: this.box.seal(input.secret, secretContext(tenantId, id)),
      description: input.description ?? '', enabled: true, disabled_reason: null, created_at: now, updated_at: now,
    };
    await this.db('webhook_subscriptions').insert(row);
    this.enabled?.delete(tenantId);
    return toSubscription(row);
  }

  async get(tenantId: string, id: string): Promise<Subscription | undefined> {
    const row = await this.db('webhook_subscriptions').where({ tenant_id: tenantId, id }).first();
    return row ? toSubscription(row) : undefined;
  }

  /** With the decrypted secret: for signing only, never for API responses. */
  async withSecret(id: string): Promise<SubscriptionWithSecret | undefined> {
    const row = await this.db('webhook_subscriptions').where({ id }).first();
    if (!row) return undefined;
    return { ...toSubscription(row), tenantId: row.tenant_id, secret: this.box.open(row.secret, secretContext(row.tenant_id, row.id)) };
  }

  async list(tenantId: string): Promise<Subscription[]> {
    return (await this.db('webhook_subscriptions').where({ tenant_id: tenantId }).orderBy('created_at')).map(toSubscription);
  }

  /** Enabled subscriptions of the tenant that want this event type. */
  async matching(tenantId: string, eventType: string): Promise<Subscription[]> {
    const subs = await this.enabledFor(tenantId);
    return subs.filter((s) => s.eventTypes.includes('*') || s.eventTypes.includes(eventType));
  }

  private enabledFor(tenantId: string): Promise<Subscription[]> {
    const read = async () => (await this.db('webhook_subscriptions').where({ tenant_id: tenantId, enabled: true })).map(toSubscription);
    if (!this.enabled) return read();
    let hit = this.enabled.get(tenantId);
    if (!hit) {
      const pending = read();
      this.enabled.set(tenantId, pending);
      // A failed read is not remembered (unless a write replaced it meanwhile).
      pending.catch(() => {
        if (this.enabled!.get(tenantId) === pending) this.enabled!.delete(tenantId);
      });
      hit = pending;
    }
    return hit;
  }

  async update(tenantId: string, id: string, patch: { url?: string; eventTypes?: string[]; description?: string; enabled?: boolean; secret?: string }): Promise<Subscription | undefined> {
    const changes: Record<string, unknown> = { updated_at: new Date() };
    if (patch.url !== undefined) changes.url = patch.url;
    if (patch.eventTypes !== undefined) changes.event_types = json(patch.eventTypes);
    if (patch.description !== undefined) changes.description = patch.description;
    if (patch.enabled !== undefined) {
      changes.enabled = patch.enabled;
      if (patch.enabled) changes.disabled_reason = null;
    }
    if (patch.secret !== undefined) changes.secret = this.box.seal(patch.secret, secretContext(tenantId, id));
    const n = await this.db('webhook_subscriptions').where({ tenant_id: tenantId, id }).update(changes);
    this.enabled?.delete(tenantId);
    return n > 0 ? this.get(tenantId, id) : undefined;
  }

  async disable(id: string, reason: string): Promise<void> {
    await this.db('webhook_subscriptions').where({ id }).update({ enabled: false, disabled_reason: reason.slice(0, 200), updated_at: new Date() });
    // The tenant is not known here; disabling is rare (410 Gone).
    this.enabled?.clear();
  }

  async remove(tenantId: string, id: string): Promise<boolean> {
    const removed = (await this.db('webhook_subscriptions').where({ tenant_id: tenantId, id }).delete()) > 0;
    this.enabled?.delete(tenantId);
    return removed;
  }

  async allowPrivateTargets(tenantId: string): Promise<boolean> {
    const row = await this.db('webhook_settings').where({ tenant_id: tenantId }).first();
    return Boolean(row?.allow_private_targets);
  }

  async setAllowPrivateTargets(tenantId: string, allow: boolean): Promise<void> {
    await this.db('webhook_settings')
      .insert({ tenant_id: tenantId, allow_private_targets: allow, updated_at: new Date() })
      .onConflict('tenant_id')
      .merge({ allow_private_targets: allow, updated_at: new Date() });
  }
}
