/**
 * Pipelines and their immutable versions. Every method is tenant-scoped; a
 * deleted pipeline disappears from the API but its versions stay, so runs
 * that reference them keep working and keep their history.
 */
import { randomUUID } from 'node:crypto';
import type { Db, DbOrTx } from '../knex.js';
import { toIso } from '../knex.js';
import type { PipelineDefinition } from '../../pipelines/definition.js';

export interface PipelineRecord {
  id: string;
  name: string;
  version: number;
  definition: PipelineDefinition;
  createdAt: string;
  updatedAt: string;
}

function toRecord(row: Record<string, unknown>): PipelineRecord {
  return {
    id: String(row.id),
    name: String(row.name),
    version: Number(row.version),
    definition: JSON.parse(String(row.definition)) as PipelineDefinition,
    createdAt: toIso(row.created_at)!,
    updatedAt: toIso(row.updated_at)!,
  };
}

export class PipelinesRepo {
  constructor(private readonly db: Db) {}

  private current(tenantId: string, db: DbOrTx = this.db) {
    return db('pipelines as p')
      .join('pipeline_versions as v', (j) => j.on('v.pipeline_id', 'p.id').andOn('v.version', 'p.version'))
      .where('p.tenant_id', tenantId)
      .whereNull('p.deleted_at')
      .select('p.id', 'p.name', 'p.version', 'v.definition', 'p.created_at', 'p.updated_at');
  }

  async create(tenantId: string, definition: PipelineDefinition): Promise<PipelineRecord> {
    const now = new Date();
    const id = randomUUID();
    await this.db.transaction(async (trx) => {
      await trx('pipelines').insert({ id, tenant_id: tenantId, name: definition.name, version: 1, created_at: now, updated_at: now });
      await trx('pipeline_versions').insert({ pipeline_id: id, version: 1, definition: JSON.stringify(definition), created_at: now });
    });
    return { id, name: definition.name, version: 1, definition, createdAt: now.toISOString(), updatedAt: now.toISOString() };
  }

  async get(tenantId: string, id: string): Promise<PipelineRecord | undefined> {
    const row = await this.current(tenantId).where('p.id', id).first();
    return row ? toRecord(row) : undefined;
  }

  /** One exact version, also of a deleted pipeline (a run must finish with the version it started with). */
  async getVersion(tenantId: string, id: string, version: number): Promise<PipelineDefinition | undefined> {
    const row = await this.db('pipeline_versions as v')
      .join('pipelines as p', 'p.id', 'v.pipeline_id')
      .where({ 'p.tenant_id': tenantId, 'v.pipeline_id': id, 'v.version': version })
      .first('v.definition');
    return row ? (JSON.parse(String(row.definition)) as PipelineDefinition) : undefined;
  }

  async list(tenantId: string, page: { limit: number; offset: number }): Promise<{ items: PipelineRecord[]; total: number }> {
    const [rows, [{ count }]] = await Promise.all([
      this.current(tenantId).orderBy([{ column: 'p.created_at' }, { column: 'p.id' }]).limit(page.limit).offset(page.offset),
      this.db('pipelines').where({ tenant_id: tenantId }).whereNull('deleted_at').count({ count: '*' }),
    ]);
    return { items: rows.map(toRecord), total: Number(count) };
  }

  /** Stores a new version; concurrent updates are serialised by the version check (the loser retries). */
  async update(tenantId: string, id: string, definition: PipelineDefinition): Promise<PipelineRecord | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const existing = await this.get(tenantId, id);
      if (!existing) return undefined;
      const now = new Date();
      const version = existing.version + 1;
      const won = await this.db.transaction(async (trx) => {
        const changed = await trx('pipelines')
          .where({ tenant_id: tenantId, id, version: existing.version })
          .whereNull('deleted_at')
          .update({ version, name: definition.name, updated_at: now });
        if (changed === 0) return false;
        await trx('pipeline_versions').insert({ pipeline_id: id, version, definition: JSON.stringify(definition), created_at: now });
        return true;
      });
      if (won) return { ...existing, name: definition.name, version, definition, updatedAt: now.toISOString() };
    }
    return undefined;
  }

  async remove(tenantId: string, id: string): Promise<boolean> {
    const changed = await this.db('pipelines').where({ tenant_id: tenantId, id }).whereNull('deleted_at').update({ deleted_at: new Date() });
    return changed > 0;
  }
}
