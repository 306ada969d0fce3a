/**
 * Run jobs on the `runs` queue. The job id is the run id (plus `.<generation>`
 * after a resume), so enqueueing the same run twice is a no-op while its job
 * waits or runs. The job's own retries cover infrastructure failures only
 * (database unreachable); stage failures are handled by the stage retry policy.
 */
import type { RunRef } from '../db/repos/run-leases-repo.js';
import type { Logger } from '../logger.js';
import { queueNames, type JobSpec, type QueueDriver } from '../queue/index.js';

export interface RunJobData {
  runId: string;
  tenantId: string;
  generation: number;
  /** Absent in jobs enqueued before these were added; the worker then reads the run first. */
  pipelineId?: string;
  pipelineVersion?: number;
  siteId?: string | null;
}

/**
 * Bounds a hung handler. Correctness never depends on it: the lease decides
 * who owns a run, and a handler that outlives this keeps its lease.
 */
export const runJobTimeoutMs = 6 * 60 * 60_000;

export function runJobId(runId: string, generation: number): string {
  return generation === 0 ? runId : `${runId}.${generation}`;
}

export function runJobSpec(ref: RunRef): JobSpec<RunJobData> {
  return {
    id: runJobId(ref.id, ref.generation),
    data: {
      runId: ref.id, tenantId: ref.tenantId, generation: ref.generation,
      ...(ref.pipelineId ? { pipelineId: ref.pipelineId, pipelineVersion: ref.pipelineVersion, siteId: ref.siteId ?? null } : {}),
    },
    retries: 5,
    backoffMs: 1000,
    timeoutMs: runJobTimeoutMs,
  };
}

/**
 * Enqueues stored runs. A failure (Redis down) is logged, not thrown: the runs
 * are stored, and the workers' sweep enqueues them once the queue is back.
 */
export async function enqueueRuns(queue: QueueDriver, refs: RunRef[], logger: Logger, timeoutMs = 3000): Promise<number> {
  if (refs.length === 0) return 0;
  const q = queue.queue<RunJobData>(queueNames.runs);
  let timer: NodeJS.Timeout | undefined;
  try {
    const adding = refs.length === 1 ? q.add(runJobSpec(refs[0])).then(Number) : q.addMany(refs.map(runJobSpec));
    return await Promise.race([
      adding,
      new Promise<number>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`enqueue did not finish within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    logger.warn({ err: (err as Error).message, runs: refs.length }, 'runs stored but not enqueued; the sweep will enqueue them');
    return 0;
  } finally {
    clearTimeout(timer);
  }
}
