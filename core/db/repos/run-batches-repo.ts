/** Bulk starts: one batch row per POST /pipelines/:id/runs:bulk; its runs carry batch_id. */
import type { DbOrTx } from '../knex.js';
import { toIso } from '../knex.js';

export interface RunBatch {
  id: string;
  pipelineId: string;
  total: number;
  createdAt: string;
}

export class RunBatchesRepo {
  constructor(private readonly db: DbOrTx) {}

  async insert(batch: { id: string; tenantId: string; pipelineId: string; total: number }, now = new Date()): Promise<RunBatch> {
    await this.db('run_batches').insert({ id: batch.id, tenant_id: batch.tenantId, pipeline_id: batch.pipelineId, total: batch.total, created_at: now });
    return { id: batch.id, pipelineId: batch.pipelineId, total: batch.total, createdAt: now.toISOString() };
  }

  async get(tenantId: string, id: string): Promise<RunBatch | undefined> {
    const row = await this.db('run_batches').where({ tenant_id: tenantId, id }).first();
    return row ? { id: String(row.id), pipelineId: String(row.pipeline_id), total: Number(row.total), createdAt: toIso(row.created_at)! } : undefined;
  }
}
