/** Outbound deliveries and their attempts: fan-out, claiming due ones, outcomes, redelivery. */
import type { Db } from '../../core/db/knex.js';
import { toIso } from '../../core/db/knex.js';
import { messageId, skipLocked } from '../store/rows.js';

export type DeliveryStatus = 'pending' | 'succeeded' | 'dead';

export interface Delivery {
  id: string;
  subscriptionId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  completedAt: string | null;
}

export interface Attempt {
  attempt: number;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  startedAt: string;
}

export interface ClaimedDelivery {
  id: string;
  tenant_id: string;
  subscription_id: string;
  payload: string;
  attempts: number;
  cycle_start: number;
}

function toDelivery(r: Record<string, any>): Delivery {
  return {
    id: r.id, subscriptionId: r.subscription_id, eventType: r.event_type, status: r.status, attempts: Number(r.attempts),
    nextAttemptAt: r.status === 'pending' ? toIso(r.next_attempt_at) : null, lastStatusCode: r.last_status_code ?? null,
    lastError: r.last_error ?? null, createdAt: toIso(r.created_at)!, completedAt: toIso(r.completed_at),
  };
}

export class DeliveriesStore {
  constructor(private readonly db: Db) {}

  /** One delivery per subscription; a repeated (subscription, event key) is ignored. Returns how many were new. */
  async fanOut(tenantId: string, subscriptionIds: string[], eventType: string, eventKey: string, payload: string): Promise<number> {
    if (subscriptionIds.length === 0) return 0;
    const now = new Date();
    const rows = subscriptionIds.map((subscriptionId) => ({
      id: messageId(), tenant_id: tenantId, subscription_id: subscriptionId, event_type: eventType, event_key: eventKey.slice(0, 255),
      payload, status: 'pending', attempts: 0, cycle_start: 0, next_attempt_at: now, created_at: now, updated_at: now,
    }));
    const inserted = await this.db('webhook_deliveries').insert(rows).onConflict(['subscription_id', 'event_key']).ignore().returning('id');
    return inserted.length;
  }

  async claimDue(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const now = new Date();
    const sql = `update webhook_deliveries set locked_until = ?, attempts = attempts + 1, updated_at = ?
      where id in (select id from webhook_deliveries where status = 'pending' and next_attempt_at <= ?
        and (locked_until is null or locked_until < ?) order by next_attempt_at limit ?${skipLocked(this.db)})
      returning id, tenant_id, subscription_id, payload, attempts, cycle_start`;
    const result = await this.db.raw(sql, [new Date(now.getTime() + leaseMs), now, now, now, limit]);
    return (Array.isArray(result) ? result : result.rows) as ClaimedDelivery[];
  }

  async recordAttempt(d: ClaimedDelivery, outcome: { statusCode: number | null; latencyMs: number; error: string | null; startedAt: Date }): Promise<void> {
    await this.db('webhook_delivery_attempts').insert({
      delivery_id: d.id, tenant_id: d.tenant_id, attempt: d.attempts, status_code: outcome.statusCode, latency_ms: outcome.latencyMs,
      error: outcome.error ? outcome.error.slice(0, 500) : null, started_at: outcome.startedAt,
    });
  }

  async finish(id: string, status: 'succeeded' | 'dead', statusCode: number | null, error: string | null): Promise<void> {
    const now = new Date();
    await this.db('webhook_deliveries').where({ id }).update({
      status, last_status_code: statusCode, last_error: error, locked_until: null, next_attempt_at: null, completed_at: now, updated_at: now,
    });
  }

  async retryAt(id: string, at: Date, statusCode: number | null, error: string | null): Promise<void> {
    await this.db('webhook_deliveries').where({ id }).update({
      last_status_code: statusCode, last_error: error, locked_until: null, next_attempt_at: at, updated_at: new Date(),
    });
  }

  async list(tenantId: string, subscriptionId: string, f: { status?: string; limit: number; offset: number }): Promise<{ items: Delivery[]; total: number }> {
    const q = this.db('webhook_deliveries').where({ tenant_id: tenantId, subscription_id: subscriptionId });
    if (f.status) q.andWhere({ status: f.status });
    const [rows, [{ count }]] = await Promise.all([
      q.clone().orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]).limit(f.limit).offset(f.offset),
      q.clone().count({ count: '*' }),
    ]);
    return { items: rows.map(toDelivery), total: Number(count) };
  }

  async get(tenantId: string, subscriptionId: string, id: string): Promise<(Delivery & { payload: unknown; attemptLog: Attempt[] }) | undefined> {
    const row = await this.db('webhook_deliveries').where({ tenant_id: tenantId, subscription_id: subscriptionId, id }).first();
    if (!row) return undefined;
    const attempts = await this.db('webhook_delivery_attempts').where({ delivery_id: id }).orderBy('id');
    return {
      ...toDelivery(row),
      payload: JSON.parse(row.payload),
      attemptLog: attempts.map((a: Record<string, any>) => ({
        attempt: Number(a.attempt), statusCode: a.status_code ?? null, latencyMs: Number(a.latency_ms), error: a.error ?? null, startedAt: toIso(a.started_at)!,
      })),
    };
  }

  /** Puts a delivery back in line with a fresh retry schedule; keeps its id and attempt history. */
  async redeliver(tenantId: string, subscriptionId: string, id: string): Promise<boolean> {
    const now = new Date();
    const n = await this.db('webhook_deliveries').where({ tenant_id: tenantId, subscription_id: subscriptionId, id }).update({
      status: 'pending', cycle_start: this.db.raw('attempts'), next_attempt_at: now, locked_until: null, completed_at: null, updated_at: now,
    });
    return n > 0;
  }
}
