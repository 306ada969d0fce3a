/**
 * Prometheus request metrics (prom-client), labelled by the matched route
 * pattern (never the raw path, which would explode label cardinality).
 */
import type { Context, Middleware, Next } from 'koa';
import { Counter, Histogram, type Registry } from 'prom-client';

export function httpMetrics(registry: Registry): Middleware {
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests', labelNames, registers: [registry] });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return async function httpMetricsMiddleware(ctx: Context, next: Next) {
    const end = duration.startTimer();
    try {
      await next();
    } finally {
      const labels = { method: ctx.method, route: (ctx as Context & { _matchedRoute?: string })._matchedRoute ?? 'unmatched', status: String(ctx.status) };
      requests.inc(labels);
      end(labels);
    }
  };
}
