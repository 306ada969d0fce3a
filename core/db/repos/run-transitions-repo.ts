/**
 * One state transition of a run: its stage rows, optionally the run's own
 * end state, and the events that report them, written atomically with a
 * contiguous block of event seqs.
 *
 * The statement that allocates the seqs is `UPDATE runs SET next_seq =
 * next_seq + n ... RETURNING`: it takes the run row's lock (serialising every
 * writer of the run's events), and, when fenced, is also the lease check
 * (owner and status 'running'), so a worker that lost the run, or whose run
 * was cancelled, writes nothing at all.
 *
 * PostgreSQL: the whole transition is ONE data-modifying CTE statement. A
 * single statement is atomic without BEGIN/COMMIT, the lease UPDATE runs first
 * (the other parts join to its rows) and the seqs come from the locked,
 * current row version, so a transition costs one round trip; transitions of
 * different runs that happen at the same time share that statement (see
 * run-write-batcher.ts). SQLite: the same steps in a short transaction
 * (embedded, one writer, no network).
 */
import type { Knex } from 'knex';
import type { DbOrTx } from '../knex.js';
import { isPostgres, prepared } from '../knex.js';
import type { HubEventName } from '../../events.js';
import type { StoredRunEvent } from './run-events-repo.js';
import type { StageError } from './run-stages-repo.js';
import { toRun, type RunError, type RunRecord } from './runs-repo.js';
import { sharedBatcher } from './run-write-batcher.js';

export type StageWrite =
  | { name: string; status: 'running'; attempt: number }
  | { name: string; status: 'completed'; output: unknown }
  | { name: string; status: 'failed'; error: StageError }
  /** A failed attempt that will be retried: the stage stays running with its error noted. */
  | { name: string; status: 'retrying'; error: StageError };

export interface EventDraft {
  name: HubEventName;
  agentId?: string | null;
  data: Record<string, unknown>;
}

export interface RunFinish {
  status: 'completed' | 'failed';
  output?: unknown;
  error?: RunError;
  /** Stages still pending become skipped (a failed run). */
  skipPending?: boolean;
}

export interface Transition {
  stages?: StageWrite[];
  finish?: RunFinish;
  events: EventDraft[];
}

/** `owner` set: only while that worker holds the lease of a running run. null: unconditional (the run must exist). */
export interface TransitionTarget {
  runId: string;
  tenantId: string;
  owner: string | null;
  /**
   * Claims the run for `owner` in the same write, but only a fresh one: queued,
   * never started, generation 0 and unowned (a run's first start, when no
   * stage can have run yet). Its lease lasts until this epoch ms.
   */
  startLeaseUntil?: number;
}

/** What a write stored: the run's first new event seq minus one, and for a start the run's unchanging columns. */
interface Written {
  base: number;
  row?: Record<string, unknown>;
}

/** Columns of a started run that no transition changes, returned so that the worker needs no read. */
const startColumns = ['pipeline_id', 'pipeline_version', 'site_id', 'batch_id', 'idempotency_key', 'generation', 'input', 'created_at'] as const;

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

/**
 * PostgreSQL: any number of transitions of different runs in ONE statement.
 * The inputs travel as three JSON parameters (runs, stage writes, events)
 * and the runs' ids as an array, so the SQL text never changes (a prepared
 * statement). Each run's part is fenced on its own: a run whose lease check
 * (or, for a fresh start, whose claim) fails gets no row in `lease`, so none
 * of its stage writes or events (joined to `lease`) happen, while the
 * others' do.
 */
const pgTransitionSql = `with t as (
  select * from jsonb_to_recordset(?::jsonb) as t(id text, tenant_id text, owner text, start boolean, expires bigint, n int, fstatus text, foutput text, ferror text, skip boolean, at timestamptz)
), lease as (
  update runs r set
    next_seq = r.next_seq + t.n,
    -- updated_at follows status changes only: touching an indexed column on every
    -- transition would rule out heap-only updates (see migration 005).
    updated_at = case when t.fstatus is not null or t.start then t.at else r.updated_at end,
    status = case when t.start then 'running' else coalesce(t.fstatus, r.status) end,
    throttled = r.throttled and not t.start,
    started_at = case when t.start then t.at else r.started_at end,
    output = case when t.fstatus is null then r.output else t.foutput end,
    error = case when t.fstatus is null then r.error else t.ferror end,
    lease_owner = case when t.start then t.owner when t.fstatus is null then r.lease_owner end,
    lease_expires_at = case when t.start then t.expires when t.fstatus is null then r.lease_expires_at end,
    finished_at = case when t.fstatus is null then r.finished_at else t.at end
  from t
  -- The id list lets the planner reach runs by its primary key whatever it
  -- guesses for the JSON row count; joining on t alone chose a hash join over
  -- a full scan of runs, a cost that grows with the table (bench/pipelines).
  where r.id = any(?::text[]) and r.id = t.id and case
    when t.start then r.tenant_id = t.tenant_id and r.status = 'queued' and r.generation = 0 and r.started_at is null and r.lease_owner is null
    else t.owner is null or (r.lease_owner = t.owner and r.status = 'running') end
  returning r.id, r.tenant_id, r.next_seq - t.n as base, t.skip, t.at, t.start,
    ${startColumns.map((c) => `case when t.start then r.${c} end as ${c}`).join(', ')}
), w as (
  select * from jsonb_to_recordset(?::jsonb) as w(run_id text, name text, kind text, attempts int, output text, error text)
), st as (
  update run_stages s set
    status = case when w.kind = 'retrying' then s.status else w.kind end,
    attempts = coalesce(w.attempts, s.attempts),
    output = case w.kind when 'completed' then w.output when 'failed' then null else s.output end,
    error = case when w.kind in ('running', 'completed') then null else w.error end,
    started_at = case when w.kind = 'running' then coalesce(s.started_at, l.at) else s.started_at end,
    finished_at = case when w.kind in ('completed', 'failed') then l.at else s.finished_at end
  from w join lease l on l.id = w.run_id
  where s.run_id = w.run_id and s.name = w.name and (w.kind <> 'retrying' or s.status = 'running')
), sk as (
  update run_stages s set status = 'skipped', finished_at = l.at
  from lease l where l.skip and s.run_id = l.id and s.status = 'pending'
    and not exists (select 1 from w where w.run_id = s.run_id and w.name = s.name)
), ev as (
  insert into run_events (tenant_id, run_id, seq, name, agent_id, data, created_at)
  select l.tenant_id, e.run_id, l.base + e.k, e.name, e.agent_id, e.data, l.at
  from jsonb_to_recordset(?::jsonb) as e(run_id text, k int, name text, agent_id text, data text)
  join lease l on l.id = e.run_id
)
select id, base, start, ${startColumns.join(', ')} from lease`;

interface PgItem {
  target: TransitionTarget;
  t: Transition;
  now: Date;
}

async function pgApply(db: DbOrTx, items: PgItem[]): Promise<Array<Written | undefined>> {
  // In id order, so that concurrent statements tend to lock runs rows in the same order (deadlocks are retried anyway).
  const sorted = items.length > 1 ? [...items].sort((a, b) => (a.target.runId < b.target.runId ? -1 : 1)) : items;
  const runs = sorted.map(({ target, t, now }) => ({
    id: target.runId,
    tenant_id: target.tenantId,
    owner: target.owner,
    start: target.startLeaseUntil !== undefined,
    expires: target.startLeaseUntil ?? null,
    n: t.events.length,
    fstatus: t.finish?.status ?? null,
    foutput: t.finish ? json(t.finish.output) : null,
    ferror: t.finish?.error ? JSON.stringify(t.finish.error) : null,
    skip: t.finish?.skipPending ?? false,
    at: now.toISOString(),
  }));
  const writes = sorted.flatMap(({ target, t }) => (t.stages ?? []).map((s) => ({
    run_id: target.runId,
    name: s.name,
    kind: s.status,
    attempts: s.status === 'running' ? s.attempt : null,
    output: s.status === 'completed' ? json(s.output) ?? 'null' : null,
    error: s.status === 'failed' || s.status === 'retrying' ? JSON.stringify(s.error) : null,
  })));
  const events = sorted.flatMap(({ target, t }) => t.events.map((e, k) => ({ run_id: target.runId, k: k + 1, name: e.name, agent_id: e.agentId ?? null, data: JSON.stringify(e.data) })));
  const result = await prepared(db, 'sy_runs_transition', pgTransitionSql, [JSON.stringify(runs), runs.map((r) => r.id), JSON.stringify(writes), JSON.stringify(events)]);
  const written = new Map((result.rows as Array<Record<string, unknown>>).map((r) => [String(r.id), { base: Number(r.base), ...(r.start ? { row: r } : {}) }]));
  return items.map((i) => written.get(i.target.runId));
}

/** Half the pool at most, so that reads and other writers always find a connection. */
function batcherFor(db: Knex) {
  return sharedBatcher<PgItem, Written | undefined>(db, 'runs.transition', () => ({ run: (items) => pgApply(db, items), key: (i) => i.target.runId, poolShare: 1 / 2, maxBatch: 200 }));
}

async function sqliteApply(trx: Knex.Transaction, target: TransitionTarget, t: Transition, now: Date): Promise<Written | undefined> {
  const n = t.events.length;
  const q = trx('runs').where({ id: target.runId });
  const patch: Record<string, unknown> = { next_seq: trx.raw('next_seq + ?', [n]) };
  const start = target.startLeaseUntil !== undefined;
  if (start) {
    q.andWhere({ tenant_id: target.tenantId, status: 'queued', generation: 0, started_at: null, lease_owner: null });
    Object.assign(patch, { status: 'running', throttled: false, lease_owner: target.owner, lease_expires_at: target.startLeaseUntil, started_at: now });
  } else if (target.owner !== null) {
    q.andWhere({ lease_owner: target.owner, status: 'running' });
  }
  if (t.finish || start) patch.updated_at = now; // status changes only, as on PostgreSQL
  if (t.finish) {
    Object.assign(patch, {
      status: t.finish.status, output: json(t.finish.output) ?? null, error: t.finish.error ? JSON.stringify(t.finish.error) : null,
      lease_owner: null, lease_expires_at: null, finished_at: now,
    });
  }
  const rows = (await q.update(patch, start ? ['next_seq', ...startColumns] : ['next_seq'])) as Array<Record<string, unknown>>;
  if (rows.length === 0) return undefined;
  const base = Number(rows[0].next_seq) - n;
  for (const s of t.stages ?? []) {
    const where = trx('run_stages').where({ run_id: target.runId, name: s.name });
    if (s.status === 'running') await where.update({ status: 'running', attempts: s.attempt, error: null, started_at: trx.raw('coalesce(started_at, ?)', [now]) });
    else if (s.status === 'completed') await where.update({ status: 'completed', output: json(s.output) ?? 'null', error: null, finished_at: now });
    else if (s.status === 'failed') await where.update({ status: 'failed', output: null, error: JSON.stringify(s.error), finished_at: now });
    else await where.andWhere({ status: 'running' }).update({ error: JSON.stringify(s.error) });
  }
  if (t.finish?.skipPending) {
    await trx('run_stages').where({ run_id: target.runId, status: 'pending' }).whereNotIn('name', (t.stages ?? []).map((s) => s.name)).update({ status: 'skipped', finished_at: now });
  }
  if (n > 0) {
    await trx('run_events').insert(t.events.map((e, k) => ({
      tenant_id: target.tenantId, run_id: target.runId, seq: base + k + 1, name: e.name, agent_id: e.agentId ?? null, data: JSON.stringify(e.data), created_at: now,
    })));
  }
  return { base, ...(start ? { row: rows[0] } : {}) };
}

export class RunTransitionsRepo {
  constructor(private readonly db: DbOrTx) {}

  /**
   * Applies the transition; returns its events with their seqs, or undefined
   * when the fence failed (lease lost, run cancelled or finished) or the run
   * does not exist, in which case nothing was written.
   */
  async apply(target: TransitionTarget, t: Transition, now = new Date()): Promise<StoredRunEvent[] | undefined> {
    const written = await this.write(target, t, now);
    return written && storedEvents(target, t, written.base, now);
  }

  /**
   * A fresh run's first start: claims it for `owner` until `leaseUntil` and
   * applies `t` (run.started, the first stages' start) in the same write.
   * Undefined when the run is not fresh (started before, resumed, taken,
   * finished, another tenant's); then nothing was written.
   */
  async start(target: Omit<TransitionTarget, 'startLeaseUntil'> & { owner: string }, leaseUntil: number, t: Transition, now = new Date()): Promise<{ run: RunRecord; events: StoredRunEvent[] } | undefined> {
    const written = await this.write({ ...target, startLeaseUntil: leaseUntil }, t, now);
    if (!written?.row) return undefined;
    const run = toRun({
      ...written.row, id: target.runId, tenant_id: target.tenantId, status: 'running', throttled: false, output: null, error: null,
      lease_owner: target.owner, lease_expires_at: leaseUntil, updated_at: now, started_at: now, finished_at: null,
    });
    return { run, events: storedEvents(target, t, written.base, now) };
  }

  private async write(target: TransitionTarget, t: Transition, now: Date): Promise<Written | undefined> {
    if (isPostgres(this.db)) {
      // A transaction's writes stay in it; everything else may share a statement with other runs' transitions.
      return this.db.isTransaction ? (await pgApply(this.db, [{ target, t, now }]))[0] : batcherFor(this.db as Knex).add({ target, t, now });
    }
    if (this.db.isTransaction) return sqliteApply(this.db as Knex.Transaction, target, t, now);
    return (this.db as Knex).transaction((trx) => sqliteApply(trx, target, t, now));
  }
}

function storedEvents(target: TransitionTarget, t: Transition, base: number, now: Date): StoredRunEvent[] {
  const at = now.toISOString();
  return t.events.map((e, k) => ({ seq: base + k + 1, tenantId: target.tenantId, runId: target.runId, name: e.name, agentId: e.agentId ?? null, data: e.data, createdAt: at }));
}
