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
import { configuredJwtKey } from './auth/jwt.js';
import { createApp, type RouteGroup } from './http/app.js';
import { createAuthenticator } from './http/middleware/authenticate.js';
import { createLimiter } from './http/middleware/rate-limit.js';
import { buildOpenApi } from './http/openapi.js';
import { systemRoutes } from './http/routes/system-routes.js';
import { authRoutes } from './http/routes/auth-routes.js';
import { keysRoutes } from './http/routes/keys-routes.js';
import { sitesRoutes } from './http/routes/sites-routes.js';
import { pluginsRoutes } from './http/routes/plugins-routes.js';
import { pipelinesRoutes } from './http/routes/pipelines-routes.js';
import { runsRoutes } from './http/routes/runs-routes.js';
import { startHubWorker } from './pipelines/hub-worker.js';
import { createWebhooks } from '../webhooks/feature.js';
import { hubVersion } from './version.js';
import { attachRealtime, type Realtime } from './realtime/realtime-server.js';
import { dashboardStatic } from './realtime/dashboard-static.js';

export type HubOptions = RuntimeOptions;

export interface Hub {
  runtime: Runtime;
  app: Koa;
  server: http.Server;
  /** Socket.IO rooms on `server` (core/realtime). */
  realtime: Realtime;
  /** Migrates, then listens; resolves with the bound port. */
  start(): Promise<number>;
  stop(): Promise<void>;
}

export function createHub(config: Readonly<Config>, options: HubOptions = {}): Hub {
  const runtime = createRuntime(config, options);
  const { db, logger, redis, metrics } = runtime;

  const key = configuredJwtKey(config);
  const apiKeys = new ApiKeyVerifier(db, config.apiKeyCacheMs);

  // Inbound webhooks, their inbox/ledger/rules/subscriptions API, the outbox relay and outbound deliveries.
  const webhooks = createWebhooks(runtime);
  runtime.closers.push(() => webhooks.stop());

  const groups: RouteGroup[] = [];
  const systemGroup: RouteGroup = {
    prefix: '',
    routes: systemRoutes({
      readiness: runtime.readiness,
      metrics,
      openApi: () => buildOpenApi(groups.flatMap((g) => g.routes.map((route) => ({ prefix: g.prefix, route }))), hubVersion),
    }),
  };
  const apiGroup: RouteGroup = {
    prefix: '/api/v1',
    routes: [
      ...authRoutes({ jwtKey: key, jwtTtlSeconds: config.jwtTtlSeconds }),
      ...keysRoutes({ db, apiKeys }),
      ...sitesRoutes({ db }),
      ...pluginsRoutes({ plugins: runtime.plugins }),
      ...pipelinesRoutes({ runtime }),
      ...runsRoutes({ runtime }),
      ...webhooks.apiRoutes,
    ],
  };
  groups.push(systemGroup, apiGroup, { prefix: '/webhooks', routes: webhooks.inboundRoutes });

  const app = createApp({
    logger,
    metrics,
    trustProxy: config.trustProxy,
    bodyLimitBytes: config.bodyLimitBytes,
    authenticate: createAuthenticator(apiKeys, key),
    ipLimiter: createLimiter({ name: 'ip', prefix: config.queuePrefix, pointsPerMinute: config.rateLimitPerIp, redis }),
    principalLimiter: createLimiter({ name: 'principal', prefix: config.queuePrefix, pointsPerMinute: config.rateLimitPerKey, redis }),
    groups,
    extraMiddleware: [dashboardStatic()],
  });
  let shuttingDown = false;
  const server = http.createServer(app.callback());
  // Responses sent while shutting down tell clients not to reuse the connection.
  server.prependListener('request', (_req, res) => {
    if (shuttingDown) res.setHeader('Connection', 'close');
  });
  // Keep-alive clients (load balancers, dashboards) reuse connections; the
  // headers timeout still bounds slow-loris clients.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const realtime = attachRealtime({ runtime, server, apiKeys, jwtKey: key });

  let stopping: Promise<void> | undefined;

  return {
    runtime, app, server, realtime,
    async start() {
      const applied = await runtime.migrate();
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
      // A plugin that fails to load or start is reported by the registry; it never stops the hub.
      await runtime.plugins.start();
      // Embedded mode runs pipelines in this process (see RUN_WORKER_IN_HUB).
      const hubWorker = startHubWorker(runtime);
      // The outbox relay is background work too: with separate workers they run
      // it, and this process's event loop is left to requests (webhook acks).
      webhooks.start({ relay: hubWorker !== undefined });
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
        shuttingDown = true;
        logger.info('shutting down: no new connections, finishing in-flight requests');
        // Upgraded websocket connections would hold server.close() open: end them first.
        await realtime.close();
        await new Promise<void>((resolve) => {
          if (!server.listening) return resolve();
          const timer = setTimeout(() => {
            logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'in-flight requests did not finish in time; closing them');
            server.closeAllConnections();
          }, config.shutdownTimeoutMs);
          timer.unref();
          // Keep-alive sockets that go idle after their last response would hold
          // close() open until the client drops them; close them as they idle.
          const sweeper = setInterval(() => server.closeIdleConnections(), 100);
          server.close(() => {
            clearTimeout(timer);
            clearInterval(sweeper);
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
