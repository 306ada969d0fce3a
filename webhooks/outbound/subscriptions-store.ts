/** Outbound webhook subscriptions of a tenant, and the tenant's outbound settings. */
import { randomUUID } from 'node:crypto';
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

export class SubscriptionsStore {
  constructor(private readonly db: Db, private readonly box: SecretBox) {}

  async create(tenantId: string, input: { url: string; eventTypes: string[]; secret: string; description?: string }): Promise<Subscription> {
    const now = new Date();
    const id = randomUUID();
    const row = {
      id, tenant_id: tenantId, url: input.url, event_types: json(input.eventTypes), secret: this.box.seal(input.secret, secretContext(tenantId, id)),
      description: input.description ?? '', enabled: true, disabled_reason: null, created_at: now, updated_at: now,
    };
    await this.db('webhook_subscriptions').insert(row);
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
    const rows = await this.db('webhook_subscriptions').where({ tenant_id: tenantId, enabled: true });
    return rows.map(toSubscription).filter((s: Subscription) => s.eventTypes.includes('*') || s.eventTypes.includes(eventType));
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
    return n > 0 ? this.get(tenantId, id) : undefined;
  }

  async disable(id: string, reason: string): Promise<void> {
    await this.db('webhook_subscriptions').where({ id }).update({ enabled: false, disabled_reason: reason.slice(0, 200), updated_at: new Date() });
  }

  async remove(tenantId: string, id: string): Promise<boolean> {
    return (await this.db('webhook_subscriptions').where({ tenant_id: tenantId, id }).delete()) > 0;
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
