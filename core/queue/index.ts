/**
 * Picks the queue driver: bee-queue when REDIS_URL is set, the in-process
 * driver otherwise. Queue names are listed here (and in docs/queue.md).
 */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { BeeQueueDriver } from './bee-queue-driver.js';
import { InProcessDriver } from './in-process-driver.js';
import type { QueueDriver } from './types.js';

export * from './types.js';

export const queueNames = {
  /** One job per run attempt generation; id `<runId>` or `<runId>.<generation>`. */
  runs: 'runs',
  /** Agent-to-agent requests (ctx.request); the result travels back over pub/sub. */
  agentRequests: 'agent-requests',
} as const;

export function createQueueDriver(config: Pick<Config, 'redisUrl' | 'queuePrefix' | 'runLeaseMs'>, logger: Logger): QueueDriver {
  if (!config.redisUrl) return new InProcessDriver();
  return new BeeQueueDriver({ redisUrl: config.redisUrl, prefix: config.queuePrefix, stallIntervalMs: config.runLeaseMs, logger });
}
