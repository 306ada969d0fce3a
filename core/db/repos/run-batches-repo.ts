/** Bulk starts: one batch row per POST /pipelines/:id/runs:bulk; its runs carry batch_id. */
import type { DbOrTx } from '../knex.js';
import { toIso } from '../knex.js';

export interface RunBatch {
  id: string;
  pipelineId: string;
  total: number;
  createdAt: string;
}

function toBatch(row: Record<string, unknown> | undefined): RunBatch | undefined {
  return row ? { id: String(row.id), pipelineId: String(row.pipeline_id), total: Number(row.total), createdAt: toIso(row.created_at)! } : undefined;
}

export class RunBatchesRepo {
  constructor(private readonly db: DbOrTx) {}

  /** A repeated Idempotency-Key is a unique violation (tenant_id, idempotency_key). */
  async insert(batch: { id: string; tenantId: string; pipelineId: string; total: number; idempotencyKey?: string }, now = new Date()): Promise<RunBatch> {
    await this.db('run_batches').insert({
      id: batch.id, tenant_id: batch.tenantId, pipeline_id: batch.pipelineId, total: batch.total, idempotency_key: batch.idempotencyKey ?? null, created_at: now,
    });
    return { id: batch.id, pipelineId: batch.pipelineId, total: batch.total, createdAt: now.toISOString() };
  }

  async get(tenantId: string, id: string): Promise<RunBatch | undefined> {
    return toBatch(await this.db('run_batches').where({ tenant_id: tenantId, id }).first());
  }

  async getByIdempotencyKey(tenantId: string, key: string): Promise<RunBatch | undefined> {
    return toBatch(await this.db('run_batches').where({ tenant_id: tenantId, idempotency_key: key }).first());
  }
}
