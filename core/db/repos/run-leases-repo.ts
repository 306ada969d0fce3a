/**
 * Run ownership and flow control.
 *
 * A worker owns a run while `lease_owner` is its id and `lease_expires_at`
 * (epoch ms) is in the future; it renews the lease on a heartbeat. Every write
 * a worker makes to a run goes through `transition` / `finish`, whose first
 * step is the ownership check under the run row's lock (owner and status
 * 'running', see run-transitions-repo.ts), so a worker that lost its lease
 * (paused, partitioned) or whose run was cancelled writes nothing.
 *
 * Concurrency limits: a run is admitted only while fewer than `perPipeline`
 * runs of its pipeline, and fewer than `perSite` runs for its site key, hold a
 * live lease. Admission and release take the same PostgreSQL advisory locks
 * (pipeline, then site), so a release never misses a run that is being
 * throttled at the same moment; release returns the throttled runs to enqueue.
 */
import type { Knex } from 'knex';
import type { Db } from '../knex.js';
import { isPostgres } from '../knex.js';
import { RunTransitionsRepo, type RunFinish, type Transition } from './run-transitions-repo.js';
import type { StoredRunEvent } from './run-events-repo.js';
import { toRun, type RunRecord } from './runs-repo.js';

export interface Limits {
  perPipeline: number;
  perSite: number;
}

export type ClaimResult =
  | { kind: 'claimed'; run: RunRecord; firstStart: boolean }
  | { kind: 'busy'; leaseExpiresAt: number }
  | { kind: 'throttled'; run: RunRecord }
  | { kind: 'gone' };

export interface RunRef {
  id: string;
  tenantId: string;
  generation: number;
  /** Lets a worker find the definition (and its limits) before reading the run. */
  pipelineId?: string;
  pipelineVersion?: number;
  siteId?: string | null;
}

async function lockFlowKeys(trx: Knex.Transaction, run: { tenant_id: unknown; pipeline_id: unknown; site_id: unknown }): Promise<void> {
  if (!isPostgres(trx)) return; // SQLite: one writer at a time already
  await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`sy:runs:pipeline:${run.pipeline_id}`]);
  if (run.site_id != null) await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`sy:runs:site:${run.tenant_id}:${run.site_id}`]);
}

/** Locks the run row until the transaction ends (PostgreSQL; SQLite transactions are serial already). */
async function lockRunRow(trx: Knex.Transaction, runId: string): Promise<void> {
  if (isPostgres(trx)) await trx.raw('select 1 from runs where id = ? for update', [runId]);
}

function refs(rows: Array<Record<string, unknown>>): RunRef[] {
  return rows.map((r) => ({
    id: String(r.id), tenantId: String(r.tenant_id), generation: Number(r.generation),
    ...(r.pipeline_id != null ? { pipelineId: String(r.pipeline_id), pipelineVersion: Number(r.pipeline_version), siteId: r.site_id == null ? null : String(r.site_id) } : {}),
  }));
}

export class RunLeasesRepo {
  constructor(private readonly db: Db) {}

  /**
   * Takes ownership of a queued (or abandoned) run if its concurrency limits
   * allow. `known`: the run as the caller just read it (saves a read; the
   * claim itself re-checks everything it depends on).
   */
  async claim(runId: string, owner: string, leaseMs: number, limitsFor: (run: RunRecord) => Limits, known?: RunRecord): Promise<ClaimResult> {
    const head = known ?? (await this.db('runs').where({ id: runId }).first().then((row) => (row ? toRun(row) : undefined)));
    if (!head) return { kind: 'gone' };
    const limits = limitsFor(head);
    if (limits.perPipeline === 0 && (head.siteId == null || limits.perSite === 0)) return this.claimUnlimited(head, owner, leaseMs);
    return this.db.transaction(async (trx) => {
      await lockFlowKeys(trx, { tenant_id: head.tenantId, pipeline_id: head.pipelineId, site_id: head.siteId });
      await lockRunRow(trx, runId);
      const row = await trx('runs').where({ id: runId }).first();
      const now = Date.now();
      if (!row || (row.status !== 'queued' && row.status !== 'running')) return { kind: 'gone' } as const;
      const expires = row.lease_expires_at == null ? 0 : Number(row.lease_expires_at);
      if (row.lease_owner != null && row.lease_owner !== owner && expires > now) return { kind: 'busy', leaseExpiresAt: expires } as const;

      const live = (q: Knex.QueryBuilder) => q.where({ status: 'running' }).andWhere('lease_expires_at', '>', now).andWhereNot({ id: runId });
      let full = false;
      if (limits.perPipeline > 0) {
        const [{ count }] = await live(trx('runs').where({ pipeline_id: row.pipeline_id })).count({ count: '*' });
        full = Number(count) >= limits.perPipeline;
      }
      if (!full && row.site_id != null && limits.perSite > 0) {
        const [{ count }] = await live(trx('runs').where({ tenant_id: row.tenant_id, site_id: row.site_id })).count({ count: '*' });
        full = Number(count) >= limits.perSite;
      }
      const updatedAt = new Date(now);
      if (full) {
        await trx('runs').where({ id: runId }).update({ status: 'queued', throttled: true, lease_owner: null, lease_expires_at: null, updated_at: updatedAt });
        return { kind: 'throttled', run: toRun({ ...row, status: 'queued', throttled: true }) } as const;
      }
      const firstStart = row.started_at == null;
      const patch = { status: 'running', throttled: false, lease_owner: owner, lease_expires_at: now + leaseMs, updated_at: updatedAt, started_at: row.started_at ?? updatedAt };
      await trx('runs').where({ id: runId }).update(patch);
      return { kind: 'claimed', run: toRun({ ...row, ...patch }), firstStart } as const;
    });
  }

  /** No limit applies: one conditional UPDATE decides (and returns the claimed row), no locks needed. */
  private async claimUnlimited(head: RunRecord, owner: string, leaseMs: number): Promise<ClaimResult> {
    const now = Date.now();
    const updatedAt = new Date(now);
    const rows = (await this.db('runs')
      .where({ id: head.id })
      .whereIn('status', ['queued', 'running'])
      .andWhere((q) => q.whereNull('lease_owner').orWhere({ lease_owner: owner }).orWhere('lease_expires_at', '<=', now))
      .update({ status: 'running', throttled: false, lease_owner: owner, lease_expires_at: now + leaseMs, updated_at: updatedAt, started_at: this.db.raw('coalesce(started_at, ?)', [updatedAt]) }, '*')) as Array<Record<string, unknown>>;
    if (rows.length === 1) return { kind: 'claimed', run: toRun(rows[0]), firstStart: head.startedAt == null };
    const row = await this.db('runs').where({ id: head.id }).first();
    if (!row || (row.status !== 'queued' && row.status !== 'running')) return { kind: 'gone' };
    return { kind: 'busy', leaseExpiresAt: Number(row.lease_expires_at ?? now) };
  }

  /**
   * A fresh run's first start, for runs no concurrency limit applies to: the
   * claim and the first transition (run.started, the first stages' start) in
   * one write, shared with other runs' transitions (PostgreSQL). Undefined
   * when the run is not fresh or not claimable; `claim` tells which.
   */
  start(ref: { id: string; tenantId: string }, owner: string, leaseMs: number, t: Transition): Promise<{ run: RunRecord; events: StoredRunEvent[] } | undefined> {
    return new RunTransitionsRepo(this.db).start({ runId: ref.id, tenantId: ref.tenantId, owner }, Date.now() + leaseMs, t);
  }

  /**
   * Extends every lease `owner` holds on a running run, in one statement;
   * returns the ids of those runs (a run missing from it was cancelled,
   * finished or taken over).
   */
  async renewAll(owner: string, leaseMs: number): Promise<Set<string>> {
    const rows = (await this.db('runs').where({ lease_owner: owner, status: 'running' }).update({ lease_expires_at: Date.now() + leaseMs }, ['id'])) as Array<{ id: unknown }>;
    return new Set(rows.map((r) => String(r.id)));
  }

  /** Expires every lease `owner` holds now, so that another worker can take its running runs at once. */
  async releaseAll(owner: string): Promise<void> {
    await this.db('runs').where({ lease_owner: owner, status: 'running' }).update({ lease_expires_at: Date.now() });
  }

  /**
   * Writes one transition of a run (stage rows + their events) only while
   * `owner` holds the lease of the running run; undefined (nothing written)
   * otherwise. One round trip on PostgreSQL.
   */
  transition(run: { id: string; tenantId: string }, owner: string, t: Transition): Promise<StoredRunEvent[] | undefined> {
    return new RunTransitionsRepo(this.db).apply({ runId: run.id, tenantId: run.tenantId, owner }, t);
  }

  /**
   * Ends a run the caller owns (completed or failed) together with its last
   * stage writes and events, releases its slot and returns throttled runs
   * that may now start. Unlimited runs: a single fenced statement, since no
   * run can be waiting for their slot. Limited ones: in a transaction under
   * the same advisory locks as admission, so a run being throttled at this
   * moment is never missed.
   */
  async finish(
    run: RunRecord,
    owner: string,
    t: Transition & { finish: RunFinish },
    limited = true,
  ): Promise<{ events: StoredRunEvent[]; handoff: RunRef[] } | undefined> {
    if (!limited) {
      const events = await this.transition(run, owner, t);
      return events ? { events, handoff: [] } : undefined;
    }
    return this.db.transaction(async (trx) => {
      await lockFlowKeys(trx, { tenant_id: run.tenantId, pipeline_id: run.pipelineId, site_id: run.siteId });
      const events = await new RunTransitionsRepo(trx).apply({ runId: run.id, tenantId: run.tenantId, owner }, t);
      if (!events) return undefined;
      return { events, handoff: await this.throttledNear(trx, run) };
    });
  }

  /** The oldest throttled runs sharing a pipeline or site key with `run`. */
  async throttledNear(db: Knex | Knex.Transaction, run: { tenantId: string; pipelineId: string; siteId: string | null }, limit = 4): Promise<RunRef[]> {
    const base = () => db('runs').where({ status: 'queued', throttled: true }).orderBy('created_at').limit(limit).select('id', 'tenant_id', 'generation', 'pipeline_id', 'pipeline_version', 'site_id');
    const byPipeline = await base().andWhere({ pipeline_id: run.pipelineId });
    const bySite = run.siteId == null ? [] : await base().andWhere({ tenant_id: run.tenantId, site_id: run.siteId });
    const seen = new Set<string>();
    return refs([...byPipeline, ...bySite]).filter((r) => !seen.has(r.id) && seen.add(r.id));
  }

  /**
   * Marks a run cancelled (from queued or running) with its open stages; the
   * owner, if any, notices on its next heartbeat. Returns false if the run had
   * finished already.
   */
  async cancel(run: RunRecord, work: (trx: Knex.Transaction) => Promise<void>): Promise<{ handoff: RunRef[] } | undefined> {
    return this.db.transaction(async (trx) => {
      await lockFlowKeys(trx, { tenant_id: run.tenantId, pipeline_id: run.pipelineId, site_id: run.siteId });
      await lockRunRow(trx, run.id);
      const now = new Date();
      const changed = await trx('runs').where({ id: run.id }).whereIn('status', ['queued', 'running']).update({ status: 'cancelled', throttled: false, finished_at: now, updated_at: now });
      if (changed === 0) return undefined;
      await work(trx);
      return { handoff: await this.throttledNear(trx, run) };
    });
  }

  /** Puts a failed or cancelled run back in the queue under a new generation; undefined if not resumable. */
  async resume(run: RunRecord, work: (trx: Knex.Transaction) => Promise<void>): Promise<RunRef | undefined> {
    return this.db.transaction(async (trx) => {
      await lockRunRow(trx, run.id);
      const now = new Date();
      const changed = await trx('runs').where({ id: run.id }).whereIn('status', ['failed', 'cancelled']).update({
        status: 'queued',
        throttled: false,
        generation: trx.raw('generation + 1'),
        error: null,
        output: null,
        lease_owner: null,
        lease_expires_at: null,
        finished_at: null,
        updated_at: now,
      });
      if (changed === 0) return undefined;
      await work(trx);
      const row = await trx('runs').where({ id: run.id }).select('id', 'tenant_id', 'generation', 'pipeline_id', 'pipeline_version', 'site_id').first();
      return refs([row])[0];
    });
  }

  /**
   * Runs that need enqueueing again: queued ones not touched since `staleBefore`
   * (their job may be lost: Redis outage, crashed producer, throttled and missed)
   * and running ones whose lease expired (dead worker). Touches them so that
   * concurrent sweepers do not all pick the same rows.
   */
  async sweep(staleBefore: Date, limit: number): Promise<RunRef[]> {
    const now = Date.now();
    const rows = await this.db('runs')
      .where((q) => q.where({ status: 'queued' }).andWhere('updated_at', '<', staleBefore))
      .orWhere((q) => q.where({ status: 'running' }).andWhere('lease_expires_at', '<', now))
      .orderBy('updated_at')
      .limit(limit)
      .select('id', 'tenant_id', 'generation', 'pipeline_id', 'pipeline_version', 'site_id') as Array<Record<string, unknown>>;
    if (rows.length === 0) return [];
    await this.db('runs').whereIn('id', rows.map((r) => String(r.id))).update({ updated_at: new Date(now) });
    return refs(rows);
  }
}
