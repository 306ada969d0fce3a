/**
 * One row per stage of a run: status, attempts, output, error and timings.
 * Results are written as each stage finishes, so partial results survive any
 * failure and a resumed or recovered run never re-executes a completed stage.
 */
import type { DbOrTx } from '../knex.js';
import { isPostgres, toIso } from '../knex.js';
import { sharedBatcher } from './run-write-batcher.js';

export const stageStatuses = ['pending', 'running', 'completed', 'failed', 'skipped', 'cancelled'] as const;
export type StageStatus = (typeof stageStatuses)[number];

export interface StageError {
  code: string;
  message: string;
  retryable?: boolean;
}

export interface StageRecord {
  name: string;
  position: number;
  agentId: string;
  status: StageStatus;
  attempts: number;
  output: unknown;
  error: StageError | null;
  startedAt: string | null;
  finishedAt: string | null;
}

function toStage(row: Record<string, unknown>): StageRecord {
  return {
    name: String(row.name),
    position: Number(row.position),
    agentId: String(row.agent_id),
    status: row.status as StageStatus,
    attempts: Number(row.attempts),
    output: row.output == null ? null : JSON.parse(String(row.output)),
    error: row.error == null ? null : (JSON.parse(String(row.error)) as StageError),
    startedAt: toIso(row.started_at),
    finishedAt: toIso(row.finished_at),
  };
}

export class RunStagesRepo {
  constructor(private readonly db: DbOrTx) {}

  async insert(runIds: string[], stages: Array<{ name: string; agentId: string }>): Promise<void> {
    const rows = runIds.flatMap((runId) => stages.map((s, position) => ({ run_id: runId, name: s.name, position, agent_id: s.agentId, status: 'pending', attempts: 0 })));
    for (let i = 0; i < rows.length; i += 100) await this.db('run_stages').insert(rows.slice(i, i + 100));
  }

  async list(runId: string): Promise<StageRecord[]> {
    const rows = await this.db('run_stages').where({ run_id: runId }).orderBy('position');
    return rows.map(toStage);
  }

  /**
   * Same as list, for the worker's hot path: on PostgreSQL, reads by runs
   * starting at the same time share one statement. Each statement reads
   * committed data as of its own start, which is after the caller's claim.
   */
  async listForRun(runId: string): Promise<StageRecord[]> {
    const db = this.db;
    if (!isPostgres(db) || db.isTransaction) return this.list(runId);
    const batcher = sharedBatcher<string, StageRecord[]>(db, 'run_stages.list', () => ({
      run: async (ids) => {
        const byRun = await new RunStagesRepo(db).listMany(ids);
        return ids.map((id) => byRun.get(id) ?? []);
      },
      key: (id) => id,
      poolShare: 1 / 4,
      maxBatch: 200,
    }));
    return batcher.add(runId);
  }

  async listMany(runIds: string[]): Promise<Map<string, StageRecord[]>> {
    const out = new Map<string, StageRecord[]>(runIds.map((id) => [id, []]));
    if (runIds.length === 0) return out;
    const rows = await this.db('run_stages').whereIn('run_id', runIds).orderBy([{ column: 'run_id' }, { column: 'position' }]);
    for (const row of rows) out.get(String(row.run_id))!.push(toStage(row));
    return out;
  }

  async setStatus(runId: string, from: StageStatus[], to: StageStatus, now = new Date()): Promise<number> {
    return this.db('run_stages').where({ run_id: runId }).whereIn('status', from).update({ status: to, ...(to === 'pending' ? {} : { finished_at: now }) });
  }

  /** Resume: failed, skipped, cancelled and interrupted stages start over; completed ones stay. */
  async resetUnfinished(runId: string): Promise<number> {
    return this.db('run_stages').where({ run_id: runId }).whereNot({ status: 'completed' }).update({ status: 'pending', attempts: 0, output: null, error: null, started_at: null, finished_at: null });
  }
}
