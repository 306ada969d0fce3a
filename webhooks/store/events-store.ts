/** Reading the inbox: events, their raw requests, the runs they started. */
import type { Db } from '../../core/db/knex.js';
import { isPostgres, toIso } from '../../core/db/knex.js';
import { parseJson } from './rows.js';
import type { EventView } from '../triggers/rule-matcher.js';

export interface StoredEvent extends EventView {
  requestId: string;
  duplicates: number;
  lastDuplicateAt: string | null;
}

export interface StoredRequest {
  id: string;
  connector: string;
  source: string;
  method: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  body: Buffer;
  outcome: string;
  receivedAt: string;
}

export interface EventRun {
  ruleId: string;
  pipelineId: string;
  runId: string | null;
  replayId: string | null;
  error: string | null;
  createdAt: string;
}

export function toEvent(r: Record<string, any>): StoredEvent {
  const ledger = parseJson<Record<string, unknown> | null>(r.ledger, null);
  return {
    id: r.id, type: r.type, connector: r.connector, source: r.source, providerEventId: r.provider_event_id,
    occurredAt: toIso(r.occurred_at), receivedAt: toIso(r.received_at)!, siteId: null,
    data: parseJson(r.data, {}), ledger, requestId: r.request_id, duplicates: Number(r.duplicates),
    lastDuplicateAt: toIso(r.last_duplicate_at),
  };
}

const GET_MANY_SQL = `select id, tenant_id, type, connector, source, provider_event_id, occurred_at, received_at, data, ledger, request_id, duplicates, last_duplicate_at
  from webhook_events where id = any(?::text[])`;

export interface EventFilter {
  type?: string;
  connector?: string;
  source?: string;
  from?: string;
  to?: string;
  duplicatesOnly?: boolean;
  limit: number;
  offset: number;
}

export class EventsStore {
  constructor(private readonly db: Db) {}

  async list(tenantId: string, f: EventFilter): Promise<{ items: StoredEvent[]; total: number }> {
    const q = this.db('webhook_events').where({ tenant_id: tenantId });
    if (f.type) {
      if (f.type.endsWith('.*')) q.andWhere('type', 'like', `${f.type.slice(0, -1).replace(/[%_\\]/g, '\\$&')}%`);
      else q.andWhere({ type: f.type });
    }
    if (f.connector) q.andWhere({ connector: f.connector });
    if (f.source) q.andWhere({ source: f.source });
    if (f.from) q.andWhere('received_at', '>=', new Date(f.from));
    if (f.to) q.andWhere('received_at', '<', new Date(f.to));
    if (f.duplicatesOnly) q.andWhere('duplicates', '>', 0);
    const [rows, [{ count }]] = await Promise.all([
      q.clone().orderBy([{ column: 'received_at', order: 'desc' }, { column: 'id' }]).limit(f.limit).offset(f.offset),
      q.clone().count({ count: '*' }),
    ]);
    return { items: rows.map(toEvent), total: Number(count) };
  }

  async get(tenantId: string, id: string): Promise<StoredEvent | undefined> {
    const row = await this.db('webhook_events').where({ tenant_id: tenantId, id }).first();
    return row ? toEvent(row) : undefined;
  }

  /**
   * The relay's read of a batch. On PostgreSQL the ids travel as one array,
   * so the text is short whatever the batch size; not a named statement, as a
   * plan cached while the table was small would scan the table for good.
   */
  async getMany(ids: string[]): Promise<Map<string, StoredEvent & { tenantId: string }>> {
    let rows: Array<Record<string, any>> = [];
    if (ids.length > 0 && isPostgres(this.db)) rows = (await this.db.raw(GET_MANY_SQL, [ids])).rows;
    else if (ids.length > 0) rows = await this.db('webhook_events').whereIn('id', ids);
    return new Map(rows.map((r) => [r.id, { ...toEvent(r), tenantId: r.tenant_id }]));
  }

  async request(tenantId: string, id: string): Promise<StoredRequest | undefined> {
    const r = await this.db('webhook_requests').where({ tenant_id: tenantId, id }).first();
    if (!r) return undefined;
    return {
      id: r.id, connector: r.connector, source: r.source, method: r.method, headers: parseJson(r.headers, {}),
      query: parseJson(r.query, {}), body: Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body ?? ''),
      outcome: r.outcome, receivedAt: toIso(r.received_at)!,
    };
  }

  async runs(tenantId: string, eventId: string): Promise<EventRun[]> {
    const rows = await this.db('webhook_event_runs').where({ tenant_id: tenantId, event_id: eventId }).orderBy('created_at');
    return rows.map((r: Record<string, any>) => ({
      ruleId: r.rule_id, pipelineId: r.pipeline_id, runId: r.run_id ?? null, replayId: r.replay_id || null,
      error: r.error ?? null, createdAt: toIso(r.created_at)!,
    }));
  }

  async recordRun(row: { eventId: string; ruleId: string; replayId: string | null; tenantId: string; pipelineId: string; runId: string | null; error: string | null }): Promise<void> {
    const changes = { run_id: row.runId, error: row.error ? row.error.slice(0, 500) : null };
    await this.db('webhook_event_runs')
      .insert({ event_id: row.eventId, rule_id: row.ruleId, replay_id: row.replayId ?? '', tenant_id: row.tenantId, pipeline_id: row.pipelineId, created_at: new Date(), ...changes })
      .onConflict(['event_id', 'rule_id', 'replay_id'])
      .merge(changes);
  }

  /** Queues the event for the relay again (replay); returns the replay id. */
  async enqueueReplay(tenantId: string, eventId: string, replayId: string): Promise<void> {
    const now = new Date();
    await this.db('webhook_outbox').insert({ tenant_id: tenantId, event_id: eventId, replay_id: replayId, status: 'pending', attempts: 0, available_at: now, created_at: now });
  }
}
