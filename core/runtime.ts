/**
 * The services shared by every hub and worker process: logger, storage,
 * Redis, metrics registry, event bus and readiness checks. The HTTP hub
 * (core/hub.ts) and workers compose on top of this; features add their
 * services here and their teardown to `closers` (run in reverse order).
 */
import { Redis } from 'ioredis';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Config } from './config.js';
import { redactUrl } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { createDb, describeDb, migrateLatest, type Db, type DbInfo } from './db/knex.js';
import { LocalEventBus, type EventBus } from './events.js';
import type { ReadinessCheck } from './readiness.js';
import { createQueueDriver, type QueueDriver } from './queue/index.js';
import { PluginRegistry } from './plugins/registry.js';
import { keyringFromConfig } from './secrets/master-keys.js';
import type { Keyring } from './secrets/keyring.js';

export interface RuntimeOptions {
  logger?: Logger;
  /** PostgreSQL schema (tests isolate suites this way). */
  searchPath?: string;
}

export interface Runtime {
  config: Readonly<Config>;
  logger: Logger;
  db: Db;
  dbInfo: DbInfo;
  redis?: Redis;
  metrics: Registry;
  bus: EventBus;
  /** Job queues: bee-queue when REDIS_URL is set, in-process otherwise (core/queue). */
  queue: QueueDriver;
  /** Agents and connectors; `await plugins.start()` before serving work (core/plugins). */
  plugins: PluginRegistry;
  /** Master keys for secrets at rest (MASTER_KEYS, or the generated key in DATA_DIR), parsed once. */
  keyring: Keyring;
  readiness: ReadinessCheck[];
  /** Teardown steps, run last-added-first by close(). */
  closers: Array<() => Promise<void>>;
  migrate(): Promise<string[]>;
  close(): Promise<void>;
}

function connectRedis(url: string, logger: Logger): Redis {
  // Auto-pipelining sends the commands of one event-loop turn in one write: under load every
  // request's rate-limit check would otherwise be a write and a wake-up of its own.
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, enableAutoPipelining: true });
  redis.on('error', (err) => logger.warn({ err: err.message, redis: redactUrl(url) }, 'redis error'));
  return redis;
}

export function createRuntime(config: Readonly<Config>, options: RuntimeOptions = {}): Runtime {
  const logger = options.logger ?? createLogger(config.logLevel);
  const dbOptions = { databaseUrl: config.databaseUrl, dataDir: config.dataDir, searchPath: options.searchPath };
  const db = createDb(dbOptions);
  const dbInfo = describeDb(dbOptions);
  const redis = config.redisUrl ? connectRedis(config.redisUrl, logger) : undefined;
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const bus = new LocalEventBus((err, event) => logger.error({ err, event: event.name }, 'event subscriber failed'));

  const readiness: ReadinessCheck[] = [
    { name: 'database', driver: dbInfo.driver, check: async () => void (await db.raw('select 1')) },
  ];
  if (redis) readiness.push({ name: 'redis', driver: 'redis', check: async () => void (await redis.ping()) });

  const closers: Array<() => Promise<void>> = [
    async () => db.destroy(),
    async () => {
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  ];
  // Closed before Redis and the database (closers run last-added-first).
  const queue = createQueueDriver(config, logger);
  closers.push(async () => queue.close());
  // Plugins tear down before the queue, Redis and the database close.
  const keyring = keyringFromConfig(config);
  const plugins = new PluginRegistry({ config, logger, db, metrics, keyring });
  closers.push(async () => plugins.stop());
  let closing: Promise<void> | undefined;

  return {
    config, logger, db, dbInfo, redis, metrics, bus, readiness, closers, queue, plugins, keyring,
    migrate: () => migrateLatest(db),
    close() {
      closing ??= (async () => {
        for (const close of [...closers].reverse()) {
          await close().catch((err) => logger.error({ err }, 'close step failed'));
        }
      })();
      return closing;
    },
  };
}
