/** Builds the OpenAPI 3.1 document from the route declarations. */
import type { RouteSpec } from './route.js';
import { common, type ResponseSpec } from './route.js';
import type { JsonSchema } from './validation.js';

function toOpenApiPath(prefix: string, path: string): string {
  // `\\:` is a literal colon in koa-router paths (e.g. /runs\\:bulk), not a parameter.
  return prefix + path.replace(/(?<!\\):([A-Za-z0-9_]+)/g, '{$1}').replace(/\\:/g, ':');
}

function parameters(schema: JsonSchema | undefined, where: 'path' | 'query'): unknown[] {
  if (!schema) return [];
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => ({ name, in: where, required: where === 'path' || required.has(name), schema: s }));
}

const standardErrors: Record<number, string> = {
  400: 'Validation failed (details carry field paths)',
  401: 'Missing or invalid credentials',
  403: 'Missing scope',
  404: 'Not found (also for other tenants\' resources)',
  413: 'Body too large',
  415: 'Unsupported content type',
  429: 'Rate limited (see Retry-After)',
  503: 'A dependency is down',
};

function responses(route: RouteSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [status, spec] of Object.entries(route.responses) as Array<[string, ResponseSpec]>) {
    out[status] = spec.schema
      ? { description: spec.description, content: { 'application/json': { schema: spec.schema } } }
      : { description: spec.description };
  }
  const errorStatuses = [
    ...(route.body || route.query || route.params ? [400] : []),
    ...(route.auth === 'none' ? [] : [401, 403, 429]),
    ...(route.body ? [413, 415] : []),
    ...(route.params ? [404] : []),
  ];
  for (const status of errorStatuses) {
    out[String(status)] ??= { description: standardErrors[status], content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  }
  return out;
}

export function buildOpenApi(routes: Array<{ prefix: string; route: RouteSpec }>, version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { prefix, route } of routes) {
    const p = toOpenApiPath(prefix, route.path);
    paths[p] ??= {};
    paths[p][route.method.toLowerCase()] = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      ...(route.auth === 'none' ? { security: [] } : { 'x-required-scope': route.auth.scope }),
      parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: route.body } } } } : {}),
      responses: responses(route),
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Switchyard hub API', version, description: 'Integration hub for affiliate-site networks.' },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }, { bearer: [] }],
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key (sy_...) or a JWT' },
      },
      schemas: { Error: common.error },
    },
    paths,
  };
}
