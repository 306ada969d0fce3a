/**
 * Runs: the durable record of one execution of one pipeline version. A run
 * is inserted (with its stage rows) before it is enqueued, so an accepted
 * run is never lost. Ownership and flow control live in run-leases-repo.ts.
 */
import type { Knex } from 'knex';
import type { DbOrTx } from '../knex.js';
import { isPostgres, prepared, toIso } from '../knex.js';
import { sharedBatcher } from './run-write-batcher.js';

export const runStatuses = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof runStatuses)[number];
export const finishedStatuses: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'cancelled']);

export interface RunError {
  code: string;
  message: string;
  stage?: string;
}

export interface RunRecord {
  id: string;
  tenantId: string;
  pipelineId: string;
  pipelineVersion: number;
  siteId: string | null;
  batchId: string | null;
  idempotencyKey: string | null;
  status: RunStatus;
  /** Waiting for a concurrency slot (pipeline or site limit). */
  throttled: boolean;
  generation: number;
  input: unknown;
  output: unknown;
  error: RunError | null;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface NewRun {
  id: string;
  tenantId: string;
  pipelineId: string;
  pipelineVersion: number;
  siteId?: string | null;
  batchId?: string | null;
  idempotencyKey?: string | null;
  input: unknown;
}

export interface RunFilters {
  pipelineId?: string;
  status?: RunStatus;
  siteId?: string;
  batchId?: string;
  createdAfter?: string;
  createdBefore?: string;
  limit: number;
  offset: number;
}

function parse(value: unknown): unknown {
  return value === null || value === undefined ? null : JSON.parse(String(value));
}

export function toRun(row: Record<string, unknown>): RunRecord {
  return {
    id: String(row.id),
    tenantId: String(row.tenant_id),
    pipelineId: String(row.pipeline_id),
    pipelineVersion: Number(row.pipeline_version),
    siteId: row.site_id == null ? null : String(row.site_id),
    batchId: row.batch_id == null ? null : String(row.batch_id),
    idempotencyKey: row.idempotency_key == null ? null : String(row.idempotency_key),
    status: row.status as RunStatus,
    throttled: Boolean(row.throttled),
    generation: Number(row.generation),
    input: parse(row.input),
    output: parse(row.output),
    error: parse(row.error) as RunError | null,
    leaseOwner: row.lease_owner == null ? null : String(row.lease_owner),
    leaseExpiresAt: row.lease_expires_at == null ? null : Number(row.lease_expires_at),
    createdAt: toIso(row.created_at)!,
    updatedAt: toIso(row.updated_at)!,
    startedAt: toIso(row.started_at),
    finishedAt: toIso(row.finished_at),
  };
}

/** A new run with everything stored with it: its stage rows and its first event (seq 1). */
export interface NewRunWithStages {
  run: NewRun;
  stages: Array<{ name: string; agentId: string }>;
  firstEvent: { name: string; data: Record<string, unknown> };
}

/**
 * PostgreSQL: any number of single-run starts in ONE statement, each only if
 * its pipeline still exists at exactly the version the caller validated
 * against (callers may cache definitions; this keeps a cached one honest).
 * Returns the ids stored. Stage rows and events join to the inserted runs,
 * so a refused run leaves nothing behind.
 */
const pgCreateSql = `with x as (
  select * from jsonb_to_recordset(?::jsonb) as x(id text, tenant_id text, pipeline_id text, pipeline_version int, site_id text, idempotency_key text, input text, event_name text, event_data text, at timestamptz)
), r as (
  insert into runs (id, tenant_id, pipeline_id, pipeline_version, site_id, batch_id, idempotency_key, status, throttled, generation, input, next_seq, created_at, updated_at)
  select x.id, x.tenant_id, x.pipeline_id, x.pipeline_version, x.site_id, null, x.idempotency_key, 'queued', false, 0, x.input, 1, x.at, x.at
  from x where exists (select 1 from pipelines p where p.id = x.pipeline_id and p.tenant_id = x.tenant_id and p.deleted_at is null and p.version = x.pipeline_version)
  returning id
), s as (
  insert into run_stages (run_id, name, position, agent_id, status, attempts)
  select y.run_id, y.name, y.position, y.agent_id, 'pending', 0
  from jsonb_to_recordset(?::jsonb) as y(run_id text, name text, position int, agent_id text) join r on r.id = y.run_id
), e as (
  insert into run_events (tenant_id, run_id, seq, name, agent_id, data, created_at)
  select x.tenant_id, x.id, 1, x.event_name, null, x.event_data, x.at from x join r on r.id = x.id
)
select id from r`;

async function pgCreate(db: DbOrTx, items: Array<NewRunWithStages & { now: Date }>): Promise<boolean[]> {
  const runs = items.map(({ run: r, firstEvent, now }) => ({
    id: r.id, tenant_id: r.tenantId, pipeline_id: r.pipelineId, pipeline_version: r.pipelineVersion, site_id: r.siteId ?? null,
    idempotency_key: r.idempotencyKey ?? null, input: JSON.stringify(r.input ?? null), event_name: firstEvent.name, event_data: JSON.stringify(firstEvent.data), at: now.toISOString(),
  }));
  const stages = items.flatMap(({ run: r, stages: st }) => st.map((s, position) => ({ run_id: r.id, name: s.name, position, agent_id: s.agentId })));
  const result = await prepared(db, 'sy_runs_create', pgCreateSql, [JSON.stringify(runs), JSON.stringify(stages)]);
  const stored = new Set((result.rows as Array<{ id: string }>).map((row) => row.id));
  return items.map((i) => stored.has(i.run.id));
}

export class RunsRepo {
  constructor(private readonly db: DbOrTx) {}

  /**
   * Inserts runs (many at once for bulk starts); call inside the transaction
   * that also stores their stages. `eventsStored`: how many events the caller
   * stores for each run in the same transaction (seq 1..n), so that later
   * events continue at n + 1 (runs.next_seq).
   */
  async insert(runs: NewRun[], now = new Date(), eventsStored = 0): Promise<void> {
    const rows = runs.map((r) => ({
      id: r.id,
      tenant_id: r.tenantId,
      pipeline_id: r.pipelineId,
      pipeline_version: r.pipelineVersion,
      site_id: r.siteId ?? null,
      batch_id: r.batchId ?? null,
      idempotency_key: r.idempotencyKey ?? null,
      status: 'queued',
      throttled: false,
      generation: 0,
      input: JSON.stringify(r.input ?? null),
      next_seq: eventsStored,
      created_at: now,
      updated_at: now,
    }));
    // SQLite limits bound variables per statement; 50 rows x 15 columns stays well inside.
    for (let i = 0; i < rows.length; i += 50) await this.db('runs').insert(rows.slice(i, i + 50));
  }

  /**
   * Stores one new run with its stages and first event, only if its pipeline
   * still exists (not deleted) at `run.pipelineVersion`; false otherwise
   * (nothing stored). On PostgreSQL concurrent starts share one statement.
   * Throws a unique violation for a taken idempotency key.
   */
  async create(item: NewRunWithStages, now = new Date()): Promise<boolean> {
    const db = this.db;
    if (isPostgres(db)) {
      if (db.isTransaction) return (await pgCreate(db, [{ ...item, now }]))[0];
      const batcher = sharedBatcher<NewRunWithStages & { now: Date }, boolean>(db, 'runs.create', () => ({ run: (items) => pgCreate(db, items), key: (i) => i.run.id, poolShare: 1 / 4, maxBatch: 100 }));
      return batcher.add({ ...item, now });
    }
    const work = async (trx: Knex.Transaction) => {
      const r = item.run;
      // SQLite has one writer: checking and inserting in one transaction is atomic.
      const current = await trx('pipelines').where({ id: r.pipelineId, tenant_id: r.tenantId, version: r.pipelineVersion }).whereNull('deleted_at').first('id');
      if (!current) return false;
      await new RunsRepo(trx).insert([r], now, 1);
      const rows = item.stages.map((s, position) => ({ run_id: r.id, name: s.name, position, agent_id: s.agentId, status: 'pending', attempts: 0 }));
      if (rows.length > 0) await trx('run_stages').insert(rows);
      await trx('run_events').insert({ tenant_id: r.tenantId, run_id: r.id, seq: 1, name: item.firstEvent.name, agent_id: null, data: JSON.stringify(item.firstEvent.data), created_at: now });
      return true;
    };
    return db.isTransaction ? work(db as Knex.Transaction) : (db as Knex).transaction(work);
  }

  async get(tenantId: string, id: string): Promise<RunRecord | undefined> {
    const row = await this.db('runs').where({ tenant_id: tenantId, id }).first();
    return row ? toRun(row) : undefined;
  }

  async getByIdempotencyKey(tenantId: string, key: string): Promise<RunRecord | undefined> {
    const row = await this.db('runs').where({ tenant_id: tenantId, idempotency_key: key }).first();
    return row ? toRun(row) : undefined;
  }

  private filtered(tenantId: string, f: Omit<RunFilters, 'limit' | 'offset'>): Knex.QueryBuilder {
    const q = this.db('runs').where({ tenant_id: tenantId });
    if (f.pipelineId) q.andWhere({ pipeline_id: f.pipelineId });
    if (f.status) q.andWhere({ status: f.status });
    if (f.siteId) q.andWhere({ site_id: f.siteId });
    if (f.batchId) q.andWhere({ batch_id: f.batchId });
    if (f.createdAfter) q.andWhere('created_at', '>=', new Date(f.createdAfter));
    if (f.createdBefore) q.andWhere('created_at', '<', new Date(f.createdBefore));
    return q;
  }

  async list(tenantId: string, filters: RunFilters): Promise<{ items: RunRecord[]; total: number }> {
    const { limit, offset, ...f } = filters;
    const [rows, [{ count }]] = await Promise.all([
      this.filtered(tenantId, f).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(limit).offset(offset),
      this.filtered(tenantId, f).count({ count: '*' }),
    ]);
    return { items: rows.map(toRun), total: Number(count) };
  }

  /** Run counts of a batch by status. */
  async countByStatus(tenantId: string, batchId: string): Promise<Record<RunStatus, number>> {
    const rows = await this.db('runs').where({ tenant_id: tenantId, batch_id: batchId }).groupBy('status').select('status').count({ count: '*' });
    const counts = Object.fromEntries(runStatuses.map((s) => [s, 0])) as Record<RunStatus, number>;
    for (const r of rows as Array<{ status: RunStatus; count: unknown }>) counts[r.status] = Number(r.count);
    return counts;
  }
}
