/**
 * The pipeline worker inside `switchyard start`: on in embedded mode (no
 * REDIS_URL, RUN_WORKER_IN_HUB=auto) or when RUN_WORKER_IN_HUB=on; with Redis
 * the default is separate `switchyard worker` processes.
 */
import type { Runtime } from '../runtime.js';
import { PipelineWorker } from './worker.js';

export function startHubWorker(runtime: Runtime): PipelineWorker | undefined {
  const mode = runtime.config.runWorkerInHub;
  if (mode === 'off' || (mode === 'auto' && runtime.config.redisUrl)) return undefined;
  const worker = new PipelineWorker(runtime, runtime.plugins);
  worker.start();
  // Added last, so it stops first: before plugins, queues and the database close.
  runtime.closers.push(() => worker.stop());
  return worker;
}
