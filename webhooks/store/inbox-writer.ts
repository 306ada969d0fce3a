/**
 * Durable inbox with group commit. Each accepted webhook request becomes, in
 * one transaction: its raw request row, one row per normalized event (unique
 * per tenant + connector + source + provider event id) and one outbox row per
 * new event. The promise resolves only after COMMIT, so the HTTP handler acks
 * only stored requests.
 *
 * Requests that arrive while a transaction is in flight are written together
 * in the next one (no timer, so an idle hub adds no latency); this keeps the
 * per-request cost of commits and round trips low under load. If a batch
 * fails, its items are retried one by one so a single bad item cannot fail
 * the others.
 *
 * On PostgreSQL the common case (no event of the batch seen before, no key
 * twice in the batch) is one statement: data-modifying CTEs insert events,
 * requests and outbox rows, and a single statement is a transaction of its
 * own, so BEGIN and COMMIT round trips disappear. If any event already
 * exists, the statement fails on purpose (division by zero in its guard),
 * which rolls all of it back, and the batch takes the general path below,
 * where duplicates are counted and resolved to their stored ids.
 */
import { randomUUID } from 'node:crypto';
import type { Db, DbOrTx } from '../../core/db/knex.js';
import { isPostgres } from '../../core/db/knex.js';
import type { NormalizedEvent } from '../../core/sdk/index.js';
import { clean, json } from './rows.js';

export interface IngestItem {
  tenantId: string;
  connector: string;
  source: string;
  method: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  body: Buffer;
  events: NormalizedEvent[];
}

export interface IngestedEvent {
  id: string;
  type: string;
  providerEventId: string;
  duplicate: boolean;
}

export interface IngestResult {
  requestId: string;
  outcome: 'accepted' | 'duplicate' | 'partial';
  events: IngestedEvent[];
}

interface Pending {
  item: IngestItem;
  resolve(result: IngestResult): void;
  reject(err: unknown): void;
}

export interface InboxWriterOptions {
  maxBatch?: number;
  /**
   * Transactions in flight at once (default 1). One at a time makes the
   * batches as large as the load allows: on PostgreSQL, 4 in flight split
   * 50 concurrent requests into batches of about 12 and cost about twice the
   * CPU per request, in the hub and in PostgreSQL, of one batch of 50
   * (bench/webhooks: ~2,400 vs ~3,300 IPNs/s with the relay off). SQLite has
   * one writer anyway.
   */
  concurrency?: number;
  /** The single-statement path on PostgreSQL (default on; off only to test the general path). */
  fastPath?: boolean;
  /** Called after every commit that stored new events (wakes the relay). */
  onCommitted?: () => void;
}

const keyOf = (tenantId: string, connector: string, source: string, providerEventId: string) =>
  `${tenantId}\u0001${connector}\u0001${source}\u0001${providerEventId}`;

export class InboxWriter {
  private readonly pending: Pending[] = [];
  private active = 0;
  private readonly maxBatch: number;
  private readonly concurrency: number;
  private readonly fastPath: boolean;

  constructor(private readonly db: Db, private readonly options: InboxWriterOptions = {}) {
    this.maxBatch = options.maxBatch ?? 256;
    this.fastPath = isPostgres(db) && options.fastPath !== false;
    this.concurrency = options.concurrency ?? 1;
  }

  /** Stores one request with its events; resolves after the commit. */
  write(item: IngestItem): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    while (this.active < this.concurrency && this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      this.active += 1;
      void this.flush(batch).finally(() => {
        this.active -= 1;
        this.kick();
      });
    }
  }

  private async flush(batch: Pending[]): Promise<void> {
    try {
      const items = batch.map((p) => p.item);
      const results = (this.fastPath ? await fastWrite(this.db, items) : undefined)
        ?? await this.db.transaction((tx) => writeBatch(tx, items));
      batch.forEach((p, i) => p.resolve(results[i]));
      if (results.some((r) => r.events.some((e) => !e.duplicate))) this.options.onCommitted?.();
    } catch (err) {
      if (batch.length === 1) {
        batch[0].reject(err);
        return;
      }
      // Isolate the failing item: the rest must not be refused because of it.
      for (const p of batch) {
        try {
          const [result] = await this.db.transaction((tx) => writeBatch(tx, [p.item]));
          p.resolve(result);
          if (result.events.some((e) => !e.duplicate)) this.options.onCommitted?.();
        } catch (itemErr) {
          p.reject(itemErr);
        }
      }
    }
  }
}

/** At most this many events go into one fast statement; a bigger batch takes the general path. */
const MAX_FAST_EVENTS = 5_000;
/** SQLSTATE of the guard that aborts the fast statement when an event existed already. */
const DIVISION_BY_ZERO = '22012';

function occurredAt(e: NormalizedEvent): Date | null {
  return e.occurredAt && !Number.isNaN(Date.parse(e.occurredAt)) ? new Date(e.occurredAt) : null;
}

function eventRow(item: IngestItem, e: NormalizedEvent, id: string, requestId: string, now: Date): Record<string, unknown> {
  return {
    id, tenant_id: item.tenantId, connector: item.connector, source: item.source,
    provider_event_id: clean(e.providerEventId, 255), type: clean(e.type, 128), request_id: requestId,
    data: json(e.data), ledger: e.ledger ? json(e.ledger) : null, occurred_at: occurredAt(e), received_at: now, duplicates: 0,
  };
}

function requestRow(item: IngestItem, id: string, outcome: IngestResult['outcome'], now: Date): Record<string, unknown> {
  return {
    id, tenant_id: item.tenantId, connector: item.connector, source: item.source,
    method: item.method, headers: json(item.headers), query: json(item.query), body: item.body,
    body_size: item.body.length, outcome, event_count: item.events.length, received_at: now,
  };
}

/**
 * The fast statement. Its text is the same for every batch (one array
 * parameter per column instead of a VALUES list), so PostgreSQL parses and
 * plans it once per connection as a named prepared statement; parsing and
 * planning a fresh VALUES list of thousands of parameters for every batch
 * was a quarter of PostgreSQL's time. $1-$10 events (sorted by key), $11-$19
 * requests, $20 now, $21 the number of events.
 */
const FAST_WRITE = 'webhooks_fast_write_v1';
const FAST_WRITE_SQL = `with ev as (
    insert into webhook_events (id, tenant_id, connector, source, provider_event_id, type, request_id, data, ledger, occurred_at, received_at, duplicates)
    select id, tenant_id, connector, source, provider_event_id, type, request_id, data, ledger, occurred_at, $20::timestamptz, 0
    from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::timestamptz[])
      as e(id, tenant_id, connector, source, provider_event_id, type, request_id, data, ledger, occurred_at)
    on conflict (tenant_id, connector, source, provider_event_id) do nothing
    returning id, tenant_id
  ), rq as (
    insert into webhook_requests (id, tenant_id, connector, source, method, headers, query, body, body_size, outcome, event_count, received_at)
    select id, tenant_id, connector, source, method, headers, query, body, octet_length(body), 'accepted', event_count, $20::timestamptz
    from unnest($11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::bytea[], $19::int[])
      as r(id, tenant_id, connector, source, method, headers, query, body, event_count)
  ), ob as (
    insert into webhook_outbox (tenant_id, event_id, replay_id, status, attempts, available_at, created_at)
    select tenant_id, id, null, 'pending', 0, $20::timestamptz, $20::timestamptz from ev
  )
  select 1 / (case when (select count(*) from ev) = $21::int then 1 else 0 end) as ok`;

interface FastEvent { key: string; id: string; tenantId: string; connector: string; source: string; providerEventId: string; type: string; requestId: string; data: string; ledger: string | null; occurredAt: Date | null }
/** The event fields in the order of FAST_WRITE_SQL's $1-$10. */
const EVENT_FIELDS = ['id', 'tenantId', 'connector', 'source', 'providerEventId', 'type', 'requestId', 'data', 'ledger', 'occurredAt'] as const;

/**
 * PostgreSQL only: stores a batch of requests whose events are all new in
 * one statement. Returns undefined, with nothing stored, when the batch is
 * not eligible or an event existed already; the caller then uses writeBatch.
 */
export async function fastWrite(db: Db, items: IngestItem[]): Promise<IngestResult[] | undefined> {
  const now = new Date();
  const keys = new Set<string>();
  const events: FastEvent[] = [];
  const results: IngestResult[] = [];
  const rq = { id: [] as string[], tenantId: [] as string[], connector: [] as string[], source: [] as string[], method: [] as string[], headers: [] as string[], query: [] as string[], body: [] as Buffer[], eventCount: [] as number[] };
  for (const item of items) {
    const requestId = randomUUID();
    const ingested: IngestedEvent[] = [];
    for (const e of item.events) {
      const providerEventId = clean(e.providerEventId, 255);
      const key = keyOf(item.tenantId, item.connector, item.source, providerEventId);
      // A key twice in the batch is a duplicate to count: general path.
      if (keys.has(key)) return undefined;
      keys.add(key);
      const id = randomUUID();
      const type = clean(e.type, 128);
      events.push({
        key, id, tenantId: item.tenantId, connector: item.connector, source: item.source, providerEventId, type, requestId,
        data: json(e.data), ledger: e.ledger ? json(e.ledger) : null, occurredAt: occurredAt(e),
      });
      ingested.push({ id, type, providerEventId, duplicate: false });
    }
    if (events.length > MAX_FAST_EVENTS) return undefined;
    results.push({ requestId, outcome: 'accepted', events: ingested });
    rq.id.push(requestId);
    rq.tenantId.push(item.tenantId);
    rq.connector.push(item.connector);
    rq.source.push(item.source);
    rq.method.push(item.method);
    rq.headers.push(json(item.headers));
    rq.query.push(json(item.query));
    rq.body.push(item.body);
    rq.eventCount.push(item.events.length);
  }
  // Events sorted by key like writeBatch, so concurrent batches take unique-index locks in the same order.
  events.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const values: unknown[] = EVENT_FIELDS.map((k) => events.map((e) => e[k]));
  values.push(rq.id, rq.tenantId, rq.connector, rq.source, rq.method, rq.headers, rq.query, rq.body, rq.eventCount, now, events.length);
  // Straight to the driver: knex's builder and binding rewrite would cost more than the statement's own encoding.
  const conn = (await db.client.acquireConnection()) as { query(q: { name: string; text: string; values: unknown[] }): Promise<unknown> };
  try {
    await conn.query({ name: FAST_WRITE, text: FAST_WRITE_SQL, values });
  } catch (err) {
    if ((err as { code?: string }).code === DIVISION_BY_ZERO) return undefined;
    throw err;
  } finally {
    await db.client.releaseConnection(conn);
  }
  return results;
}

/** Writes a batch inside `tx`; exported for tests of the dedupe rules. */
export async function writeBatch(tx: DbOrTx, items: IngestItem[]): Promise<IngestResult[]> {
  const now = new Date();
  // The first occurrence of a key in the batch is the candidate for insertion.
  const candidates = new Map<string, { id: string; row: Record<string, unknown> }>();
  const plan = items.map((item) => ({
    requestId: randomUUID(),
    events: item.events.map((e) => {
      const providerEventId = clean(e.providerEventId, 255);
      const key = keyOf(item.tenantId, item.connector, item.source, providerEventId);
      let candidate = candidates.get(key);
      const first = !candidate;
      if (!candidate) {
        const id = randomUUID();
        // request_id is set below to the request of the key's first occurrence.
        candidate = { id, row: eventRow(item, e, id, '', now) };
        candidates.set(key, candidate);
      }
      return { key, first, type: clean(e.type, 128), providerEventId };
    }),
  }));
  plan.forEach((p) => p.events.forEach((e) => {
    if (e.first) candidates.get(e.key)!.row.request_id = p.requestId;
  }));

  // Same order in every transaction, so concurrent batches cannot deadlock on the unique index.
  const rows = [...candidates.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c.row);
  const inserted = new Set<string>();
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    const returned = (await tx('webhook_events').insert(chunk).onConflict(['tenant_id', 'connector', 'source', 'provider_event_id']).ignore().returning('id')) as Array<{ id: string } | string>;
    for (const r of returned) inserted.add(typeof r === 'string' ? r : r.id);
  }

  // Keys that existed already: find the stored ids and count the duplicates.
  const existingIds = new Map<string, string>();
  const missing = [...candidates.entries()].filter(([, c]) => !inserted.has(c.id));
  if (missing.length > 0) {
    const found = await tx('webhook_events')
      .select('id', 'tenant_id', 'connector', 'source', 'provider_event_id')
      .where((q) => {
        for (const [, c] of missing) {
          q.orWhere({ tenant_id: c.row.tenant_id, connector: c.row.connector, source: c.row.source, provider_event_id: c.row.provider_event_id });
        }
      });
    for (const f of found) existingIds.set(keyOf(f.tenant_id, f.connector, f.source, f.provider_event_id), f.id);
  }

  const duplicateCounts = new Map<string, number>();
  const results: IngestResult[] = plan.map((p) => {
    const events = p.events.map((e): IngestedEvent => {
      const candidate = candidates.get(e.key)!;
      const fresh = inserted.has(candidate.id) && e.first;
      const id = inserted.has(candidate.id) ? candidate.id : existingIds.get(e.key) ?? candidate.id;
      if (!fresh) duplicateCounts.set(id, (duplicateCounts.get(id) ?? 0) + 1);
      return { id, type: e.type, providerEventId: e.providerEventId, duplicate: !fresh };
    });
    const dup = events.filter((e) => e.duplicate).length;
    const outcome = events.length > 0 && dup === events.length ? 'duplicate' : dup > 0 ? 'partial' : 'accepted';
    return { requestId: p.requestId, outcome, events };
  });

  for (const [id, count] of duplicateCounts) {
    await tx('webhook_events').where({ id }).update({ duplicates: tx.raw('duplicates + ?', [count]), last_duplicate_at: now });
  }

  const requestRows = items.map((item, i) => requestRow(item, results[i].requestId, results[i].outcome, now));
  for (let i = 0; i < requestRows.length; i += 200) await tx('webhook_requests').insert(requestRows.slice(i, i + 200));

  const outboxRows = rows.filter((r) => inserted.has(String(r.id))).map((r) => ({
    tenant_id: r.tenant_id, event_id: r.id, replay_id: null, status: 'pending', attempts: 0, available_at: now, created_at: now,
  }));
  for (let i = 0; i < outboxRows.length; i += 500) await tx('webhook_outbox').insert(outboxRows.slice(i, i + 500));
  return results;
}
