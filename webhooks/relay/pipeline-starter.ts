/** The relay's way into the pipeline API (core/pipelines/run-service.ts). */
import type { Runtime } from '../../core/runtime.js';
import { startRun } from '../../core/pipelines/run-service.js';
import { PipelinesRepo } from '../../core/db/repos/pipelines-repo.js';
import type { PipelineStarter } from './outbox-relay.js';

export function pipelineStarter(runtime: Runtime): PipelineStarter {
  return {
    async start(call) {
      const { run, created } = await startRun(runtime, call);
      return { runId: run.id, created };
    },
  };
}

export async function pipelineExists(runtime: Runtime, tenantId: string, pipelineId: string): Promise<boolean> {
  return Boolean(await new PipelinesRepo(runtime.db).get(tenantId, pipelineId));
}
