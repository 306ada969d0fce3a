/**
 * The HTTP hub: the shared runtime plus auth, rate limits and the Koa app.
 * Shutdown: stop accepting, let in-flight requests finish, then close the
 * runtime (queues, Redis, the database pool) in reverse order of creation.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import type { Config } from './config.js';
import { createRuntime, type Runtime, type RuntimeOptions } from './runtime.js';
import { ApiKeyVerifier } from './auth/api-keys.js';
import { jwtKey } from './auth/jwt.js';
import { generatedSecret } from './generated-secrets.js';
import { createApp, type RouteGroup } from './http/app.js';
import { createAuthenticator } from './http/middleware/authenticate.js';
import { createLimiter } from './http/middleware/rate-limit.js';
import { buildOpenApi } from './http/openapi.js';
import { systemRoutes } from './http/routes/system-routes.js';
import { authRoutes } from './http/routes/auth-routes.js';
import { keysRoutes } from './http/routes/keys-routes.js';
import { sitesRoutes } from './http/routes/sites-routes.js';
import { hubVersion } from './version.js';

export type HubOptions = RuntimeOptions;

export interface Hub {
  runtime: Runtime;
  app: Koa;
  server: http.Server;
  /** Migrates, then listens; resolves with the bound port. */
  start(): Promise<number>;
  stop(): Promise<void>;
}

export function createHub(config: Readonly<Config>, options: HubOptions = {}): Hub {
  const runtime = createRuntime(config, options);
  const { db, logger, redis, metrics } = runtime;

  const key = jwtKey(config.jwtSecret ?? generatedSecret(config.dataDir, 'jwtSecret'));
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
      readiness: runtime.readiness,
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
  // Keep-alive clients (load balancers, dashboards) reuse connections; the
  // headers timeout still bounds slow-loris clients.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  let stopping: Promise<void> | undefined;

  return {
    runtime, app, server,
    async start() {
      const applied = await runtime.migrate();
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => resolve());
      });
      const port = (server.address() as AddressInfo).port;
      logger.info({ url: `http://${config.host}:${port}`, database: runtime.dbInfo.driver, redis: redis ? 'on' : 'off' }, 'hub listening');
      return port;
    },
    stop() {
      stopping ??= (async () => {
        logger.info('shutting down: no new connections, finishing in-flight requests');
        await new Promise<void>((resolve) => {
          if (!server.listening) return resolve();
          const timer = setTimeout(() => {
            logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'in-flight requests did not finish in time; closing them');
            server.closeAllConnections();
          }, config.shutdownTimeoutMs);
          timer.unref();
          server.close(() => {
            clearTimeout(timer);
            resolve();
          });
          server.closeIdleConnections();
        });
        await runtime.close();
        logger.info('stopped');
      })();
      return stopping;
    },
  };
}
