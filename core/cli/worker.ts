/**
 * `switchyard worker`: a pipeline worker process. Any number may run, on any
 * machine sharing the database and Redis; each migrates (knex's lock makes
 * that safe), starts the plugins, then consumes run jobs and agent requests.
 * SIGTERM/SIGINT: stop taking jobs, let active runs finish (SHUTDOWN_TIMEOUT_MS),
 * hand the rest to other workers, exit 0.
 */
import type { Config } from '../config.js';
import { createRuntime } from '../runtime.js';
import { PipelineWorker } from '../pipelines/worker.js';
import { startRealtimePublisher } from '../realtime/publisher.js';
import { createWebhooks } from '../../webhooks/feature.js';

export async function workerCommand(config: Readonly<Config>, options: { concurrency?: number } = {}): Promise<void> {
  const runtime = createRuntime(config);
  const { logger } = runtime;
  // Run events reach dashboards on every hub through Redis (no Socket.IO server here).
  startRealtimePublisher(runtime);
  if (!config.redisUrl) {
    logger.warn('REDIS_URL is unset: this worker only sees runs started in its own process (use `switchyard start` for embedded mode)');
  }
  const worker = new PipelineWorker(runtime, runtime.plugins, options.concurrency ? { concurrency: options.concurrency } : {});
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'signal received');
    runtime.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  try {
    await runtime.migrate();
    await runtime.plugins.start();
    worker.start();
    runtime.closers.push(() => worker.stop());
    // Run events are published on this process's bus only, so outbound
    // deliveries for them are created here; the relay and the delivery engine
    // are safe to run in many processes (rows are claimed under a lease).
    const webhooks = createWebhooks(runtime);
    webhooks.start();
    runtime.closers.push(() => webhooks.stop());
  } catch (err) {
    logger.fatal({ err }, 'worker failed to start');
    await runtime.close().catch(() => undefined);
    process.exit(1);
  }
}
