/**
 * Composition root: builds storage, auth, rate limits and the HTTP app from a
 * Config, and owns start/stop. Shutdown runs in reverse order of start:
 * stop accepting, let in-flight requests finish, then close Redis and the pool.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import { Redis } from 'ioredis';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Config } from './config.js';
import { redactUrl } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { createDb, describeDb, migrateLatest, type Db, type DbInfo } from './db/knex.js';
import { ApiKeyVerifier } from './auth/api-keys.js';
import { jwtKey } from './auth/jwt.js';
import { generatedSecret } from './generated-secrets.js';
import type { ReadinessCheck } from './readiness.js';
import { createApp, type RouteGroup } from './http/app.js';
import { createAuthenticator } from './http/middleware/authenticate.js';
import { createLimiter } from './http/middleware/rate-limit.js';
import { buildOpenApi } from './http/openapi.js';
import { systemRoutes } from './http/routes/system-routes.js';
import { authRoutes } from './http/routes/auth-routes.js';
import { keysRoutes } from './http/routes/keys-routes.js';
import { sitesRoutes } from './http/routes/sites-routes.js';
import { hubVersion } from './version.js';

export interface HubOptions {
  logger?: Logger;
  /** PostgreSQL schema (tests isolate suites this way). */
  searchPath?: string;
}

export interface Hub {
  config: Readonly<Config>;
  logger: Logger;
  db: Db;
  dbInfo: DbInfo;
  redis?: Redis;
  app: Koa;
  server: http.Server;
  metrics: Registry;
  /** Migrates, then listens; resolves with the bound port. */
  start(): Promise<number>;
  stop(): Promise<void>;
}

function connectRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on('error', (err) => logger.warn({ err: err.message, redis: redactUrl(url) }, 'redis error'));
  return redis;
}

export function createHub(config: Readonly<Config>, options: HubOptions = {}): Hub {
  const logger = options.logger ?? createLogger(config.logLevel);
  const dbOptions = { databaseUrl: config.databaseUrl, dataDir: config.dataDir, searchPath: options.searchPath };
  const db = createDb(dbOptions);
  const dbInfo = describeDb(dbOptions);
  const redis = config.redisUrl ? connectRedis(config.redisUrl, logger) : undefined;

  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });

  const readiness: ReadinessCheck[] = [
    { name: 'database', driver: dbInfo.driver, check: async () => void (await db.raw('select 1')) },
  ];
  if (redis) readiness.push({ name: 'redis', driver: 'redis', check: async () => void (await redis.ping()) });

  const secret = config.jwtSecret ?? generatedSecret(config.dataDir, 'jwtSecret');
  const key = jwtKey(secret);
  const apiKeys = new ApiKeyVerifier(db, config.apiKeyCacheMs);

  const groups: RouteGroup[] = [];
  const apiGroup: RouteGroup = {
    prefix: '/api/v1',
    routes: [
      ...authRoutes({ jwtKey: key, jwtTtlSeconds: config.jwtTtlSeconds }),
      ...keysRoutes({ db, apiKeys }),
      ...sitesRoutes({ db }),
    ],
  };
  const systemGroup: RouteGroup = {
    prefix: '',
    routes: systemRoutes({
      readiness,
      metrics,
      openApi: () => buildOpenApi(groups.flatMap((g) => g.routes.map((route) => ({ prefix: g.prefix, route }))), hubVersion),
    }),
  };
  groups.push(systemGroup, apiGroup);

  const app = createApp({
    logger,
    metrics,
    trustProxy: config.trustProxy,
    bodyLimitBytes: config.bodyLimitBytes,
    authenticate: createAuthenticator(apiKeys, key),
    ipLimiter: createLimiter({ name: 'ip', pointsPerMinute: config.rateLimitPerIp, redis }),
    principalLimiter: createLimiter({ name: 'principal', pointsPerMinute: config.rateLimitPerKey, redis }),
    groups,
  });
  const server = http.createServer(app.callback());
  // Keep-alive clients (load balancers, dashboards) reuse connections; a
  // header timeout still bounds slow-loris clients.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  let stopping: Promise<void> | undefined;

  return {
    config, logger, db, dbInfo, redis, app, server, metrics,
    async start() {
      const applied = await migrateLatest(db);
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => resolve());
      });
      const port = (server.address() as AddressInfo).port;
      logger.info({ url: `http://${config.host}:${port}`, database: dbInfo.driver, redis: redis ? 'on' : 'off' }, 'hub listening');
      return port;
    },
    stop() {
      stopping ??= (async () => {
        logger.info('shutting down: no new connections, finishing in-flight requests');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'in-flight requests did not finish in time; closing them');
            server.closeAllConnections();
          }, config.shutdownTimeoutMs);
          timer.unref();
          if (!server.listening) return resolve();
          server.close(() => {
            clearTimeout(timer);
            resolve();
          });
          server.closeIdleConnections();
        });
        if (redis) await redis.quit().catch(() => redis.disconnect());
        await db.destroy();
        logger.info('stopped');
      })();
      return stopping;
    },
  };
}
