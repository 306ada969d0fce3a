/**
 * Pipeline definitions: validated against the schema, the DAG rules and the
 * installed agents before anything is stored; every change is a new version.
 */
import type { Runtime } from '../runtime.js';
import { PipelinesRepo, type PipelineRecord } from '../db/repos/pipelines-repo.js';
import { HubError } from '../errors.js';
import { validateDefinition } from './definition-validator.js';

function notFound(): HubError {
  return new HubError('HUB_ERR_NOT_FOUND', { message: 'No such pipeline' });
}

export class PipelineService {
  private readonly repo: PipelinesRepo;

  constructor(private readonly runtime: Runtime) {
    this.repo = new PipelinesRepo(runtime.db);
  }

  create(tenantId: string, raw: unknown): Promise<PipelineRecord> {
    return this.repo.create(tenantId, validateDefinition(raw, this.runtime.plugins));
  }

  async update(tenantId: string, id: string, raw: unknown): Promise<PipelineRecord> {
    const definition = validateDefinition(raw, this.runtime.plugins);
    const updated = await this.repo.update(tenantId, id, definition);
    if (!updated) throw notFound();
    return updated;
  }

  async get(tenantId: string, id: string): Promise<PipelineRecord> {
    const pipeline = await this.repo.get(tenantId, id);
    if (!pipeline) throw notFound();
    return pipeline;
  }

  async getVersion(tenantId: string, id: string, version: number): Promise<PipelineRecord> {
    const current = await this.get(tenantId, id);
    if (version === current.version) return current;
    const definition = await this.repo.getVersion(tenantId, id, version);
    if (!definition) throw new HubError('HUB_ERR_NOT_FOUND', { message: 'No such pipeline version' });
    return { ...current, version, definition, name: definition.name };
  }

  list(tenantId: string, page: { limit: number; offset: number }) {
    return this.repo.list(tenantId, page);
  }

  async remove(tenantId: string, id: string): Promise<void> {
    if (!(await this.repo.remove(tenantId, id))) throw notFound();
  }
}
