/** Unauthenticated operational routes: liveness, readiness, metrics, the OpenAPI document. */
import type { Registry } from 'prom-client';
import { checkReadiness, type ReadinessCheck } from '../../readiness.js';
import { defineRoute, type RouteSpec } from '../route.js';

const dependencySchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    driver: { type: 'string' },
    status: { type: 'string', enum: ['ok', 'down'] },
    latencyMs: { type: 'number' },
    error: { type: 'string' },
  },
  required: ['name', 'driver', 'status'],
};

const readinessSchema = {
  type: 'object',
  properties: { status: { type: 'string' }, dependencies: { type: 'array', items: dependencySchema } },
  required: ['status', 'dependencies'],
};

export function systemRoutes(deps: { readiness: ReadinessCheck[]; metrics: Registry; openApi: () => Record<string, unknown> }): RouteSpec[] {
  let openApiDoc: Record<string, unknown> | undefined;
  return [
    defineRoute({
      method: 'GET', path: '/healthz', operationId: 'healthz', tag: 'system', auth: 'none',
      summary: 'Liveness: the process is up',
      responses: { 200: { description: 'Up', schema: { type: 'object', properties: { status: { const: 'ok' }, uptimeSeconds: { type: 'integer' } } } } },
      handler: () => ({ body: { status: 'ok', uptimeSeconds: Math.round(process.uptime()) } }),
    }),
    defineRoute({
      method: 'GET', path: '/readyz', operationId: 'readyz', tag: 'system', auth: 'none',
      summary: 'Readiness: each dependency with its status',
      responses: { 200: { description: 'All dependencies ok', schema: readinessSchema }, 503: { description: 'A dependency is down', schema: readinessSchema } },
      handler: async () => {
        const { ok, dependencies } = await checkReadiness(deps.readiness);
        return { status: ok ? 200 : 503, body: { status: ok ? 'ok' : 'unavailable', dependencies } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/metrics', operationId: 'metrics', tag: 'system', auth: 'none',
      summary: 'Prometheus metrics (text exposition format)',
      responses: { 200: { description: 'Metrics in Prometheus text format' } },
      handler: async () => ({ body: await deps.metrics.metrics(), headers: { 'Content-Type': deps.metrics.contentType } }),
    }),
    defineRoute({
      method: 'GET', path: '/api/v1/openapi.json', operationId: 'openapi', tag: 'system', auth: 'none',
      summary: 'This API as an OpenAPI 3.1 document',
      responses: { 200: { description: 'OpenAPI document', schema: { type: 'object' } } },
      handler: () => {
        openApiDoc ??= deps.openApi();
        return { body: openApiDoc };
      },
    }),
  ];
}
