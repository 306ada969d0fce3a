/**
 * The Koa application: request context, metrics, error mapping, per-IP rate
 * limit, then the routers built from route declarations. Features contribute
 * route groups; the app knows none of them by name.
 */
import Koa from 'koa';
import type { Middleware } from 'koa';
import type { Registry } from 'prom-client';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '../logger.js';
import { buildApiRouter } from './api-router.js';
import type { RouteSpec } from './route.js';
import { errorHandler } from './middleware/error-handler.js';
import { httpMetrics } from './middleware/metrics.js';
import { limitByIp, limitByPrincipal } from './middleware/rate-limit.js';
import { requestContext } from './middleware/request-context.js';

export interface RouteGroup {
  prefix: string;
  routes: RouteSpec[];
}

export interface AppOptions {
  logger: Logger;
  metrics: Registry;
  trustProxy: boolean;
  bodyLimitBytes: number;
  authenticate: Middleware;
  ipLimiter: RateLimiterAbstract;
  principalLimiter: RateLimiterAbstract;
  /** Served before the API routers, e.g. static dashboard files or raw webhook routes. */
  extraMiddleware?: Middleware[];
  groups: RouteGroup[];
}

/** Operational paths stay reachable for probes even when a client is rate limited. */
const unlimitedPaths = new Set(['/healthz', '/readyz', '/metrics']);

export function createApp(options: AppOptions): Koa {
  const app = new Koa({ proxy: options.trustProxy });
  app.silent = true; // errors are logged by errorHandler, with the request id
  app.use(requestContext(options.logger));
  app.use(httpMetrics(options.metrics));
  app.use(errorHandler());
  const ipLimit = limitByIp(options.ipLimiter);
  app.use((ctx, next) => (unlimitedPaths.has(ctx.path) ? next() : ipLimit(ctx, next)));
  for (const mw of options.extraMiddleware ?? []) app.use(mw);

  for (const group of options.groups) {
    const router = buildApiRouter({
      prefix: group.prefix,
      routes: group.routes,
      authenticate: options.authenticate,
      limitByPrincipal: limitByPrincipal(options.principalLimiter),
      bodyLimitBytes: options.bodyLimitBytes,
    });
    const routes = router.routes() as unknown as Middleware;
    const allowedMethods = router.allowedMethods() as unknown as Middleware;
    // A request only meets the routers of its own prefix: the router would
    // otherwise test its path against every route of every group first
    // (a webhook against the whole API).
    const prefix = group.prefix;
    const inGroup = (path: string) => prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
    const dispatch: Middleware = (ctx, next) => (inGroup(ctx.path) ? routes(ctx, next) : next());
    // Keeps the router reachable from app.middleware, like the router's own middleware (the OpenAPI test reads it).
    app.use(Object.assign(dispatch, { router }));
    app.use((ctx, next) => (inGroup(ctx.path) ? allowedMethods(ctx, next) : next()));
  }
  return app;
}
