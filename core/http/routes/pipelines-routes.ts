/**
 * Pipelines of the caller's tenant (versioned definitions) and starting runs
 * of them, one at a time or in bulk under a batch id (Idempotency-Key honoured by both).
 * Another tenant's pipeline answers 404: existence never leaks.
 */
import type { Context } from 'koa';
import type { Runtime } from '../../runtime.js';
import { HubError } from '../../errors.js';
import { pipelineDefinitionSchema } from '../../pipelines/definition-schema.js';
import { PipelineService } from '../../pipelines/pipeline-service.js';
import { getBatch, getRun, startBulk, startRun } from '../../pipelines/run-service.js';
import { runViewSchema } from '../../pipelines/run-views.js';
import { runStatuses } from '../../db/repos/runs-repo.js';
import { common, defineRoute, type RouteSpec } from '../route.js';
import { clientGone, parseWait, waitQuery } from './run-wait.js';

const pipelineSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' }, name: { type: 'string' }, version: { type: 'integer' },
    definition: pipelineDefinitionSchema, createdAt: { type: 'string' }, updatedAt: { type: 'string' },
  },
  required: ['id', 'name', 'version', 'definition', 'createdAt', 'updatedAt'],
};
const siteId = { ...common.siteId, description: 'Site key: per-site concurrency limit and the site:<id> room' };
const idempotencyKeyPattern = /^[\x21-\x7e]{1,255}$/;
const batchSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' }, pipelineId: { type: 'string' }, total: { type: 'integer' }, createdAt: { type: 'string' },
    counts: { type: 'object', properties: Object.fromEntries(runStatuses.map((s) => [s, { type: 'integer' }])) },
  },
  required: ['id', 'pipelineId', 'total', 'counts'],
};

/** The Idempotency-Key header of a start (single or bulk), if any; a malformed one is a 400. */
function idempotencyKeyOf(ctx: Context): string | undefined {
  const key = ctx.get('idempotency-key');
  if (key && !idempotencyKeyPattern.test(key)) {
    throw new HubError('HUB_ERR_VALIDATION_FAILED', { message: 'Invalid request: /headers/idempotency-key must be 1-255 visible ASCII characters', details: [{ path: '/headers/idempotency-key', message: 'must be 1-255 visible ASCII characters' }] });
  }
  return key || undefined;
}

export function pipelinesRoutes(deps: { runtime: Runtime }): RouteSpec[] {
  const { runtime } = deps;
  const service = new PipelineService(runtime);
  return [
    defineRoute({
      method: 'GET', path: '/schemas/pipeline-definition', operationId: 'getPipelineDefinitionSchema', tag: 'pipelines', auth: 'none',
      summary: 'The JSON Schema of pipeline definitions',
      responses: { 200: { description: 'JSON Schema' } },
      handler: () => ({ body: { $schema: 'https://json-schema.org/draft/2020-12/schema', ...pipelineDefinitionSchema } }),
    }),
    defineRoute<unknown, { limit: number; offset: number }>({
      method: 'GET', path: '/pipelines', operationId: 'listPipelines', tag: 'pipelines', auth: { scope: 'pipelines:read' },
      summary: 'List pipelines (current versions)',
      query: common.pageQuery,
      responses: { 200: { description: 'A page of pipelines', schema: { type: 'object', properties: { items: { type: 'array', items: pipelineSchema }, total: { type: 'integer' } } } } },
      handler: async ({ query, principal }) => ({ body: await service.list(principal.tenantId, query) }),
    }),
    defineRoute({
      method: 'POST', path: '/pipelines', operationId: 'createPipeline', tag: 'pipelines', auth: { scope: 'pipelines:write' },
      summary: 'Create a pipeline (version 1); cycles, unknown agents or capabilities and bad references are refused',
      body: pipelineDefinitionSchema,
      responses: { 201: { description: 'Created', schema: pipelineSchema } },
      handler: async ({ body, principal }) => ({ status: 201, body: await service.create(principal.tenantId, body) }),
    }),
    defineRoute<unknown, unknown, { id: string }>({
      method: 'GET', path: '/pipelines/:id', operationId: 'getPipeline', tag: 'pipelines', auth: { scope: 'pipelines:read' },
      summary: 'Get a pipeline (current version)',
      params: common.idParams,
      responses: { 200: { description: 'The pipeline', schema: pipelineSchema } },
      handler: async ({ params, principal }) => ({ body: await service.get(principal.tenantId, params.id) }),
    }),
    defineRoute<unknown, unknown, { id: string; version: number }>({
      method: 'GET', path: '/pipelines/:id/versions/:version', operationId: 'getPipelineVersion', tag: 'pipelines', auth: { scope: 'pipelines:read' },
      summary: 'Get one version of a pipeline',
      params: { type: 'object', properties: { id: common.uuid, version: { type: 'integer', minimum: 1, maximum: 1_000_000 } }, required: ['id', 'version'], additionalProperties: false },
      responses: { 200: { description: 'That version', schema: pipelineSchema } },
      handler: async ({ params, principal }) => ({ body: await service.getVersion(principal.tenantId, params.id, params.version) }),
    }),
    defineRoute<unknown, unknown, { id: string }>({
      method: 'PUT', path: '/pipelines/:id', operationId: 'updatePipeline', tag: 'pipelines', auth: { scope: 'pipelines:write' },
      summary: 'Replace a pipeline\'s definition (stored as a new version; running runs keep theirs)',
      params: common.idParams,
      body: pipelineDefinitionSchema,
      responses: { 200: { description: 'The new version', schema: pipelineSchema } },
      handler: async ({ params, body, principal }) => ({ body: await service.update(principal.tenantId, params.id, body) }),
    }),
    defineRoute<unknown, unknown, { id: string }>({
      method: 'DELETE', path: '/pipelines/:id', operationId: 'deletePipeline', tag: 'pipelines', auth: { scope: 'pipelines:write' },
      summary: 'Delete a pipeline (its runs and versions stay readable)',
      params: common.idParams,
      responses: { 204: { description: 'Deleted' } },
      handler: async ({ params, principal }) => {
        await service.remove(principal.tenantId, params.id);
        return { status: 204 };
      },
    }),
    defineRoute<{ input?: unknown; siteId?: string }, { wait?: string }, { id: string }>({
      method: 'POST', path: '/pipelines/:id/runs', operationId: 'startRun', tag: 'runs', auth: { scope: 'runs:write' },
      summary: 'Start a run. The same Idempotency-Key header returns the same run (200) instead of a new one (201); ?wait=30s waits for the result',
      params: common.idParams,
      query: waitQuery,
      body: { type: 'object', properties: { input: {}, siteId }, additionalProperties: false },
      responses: { 201: { description: 'Started', schema: runViewSchema }, 200: { description: 'The run this Idempotency-Key started before', schema: runViewSchema }, 409: { description: 'The key was used for another pipeline' } },
      handler: async ({ params, body, query, principal, ctx }) => {
        const { run, created } = await startRun(runtime, { tenantId: principal.tenantId, pipelineId: params.id, input: body.input ?? null, siteId: body.siteId, idempotencyKey: idempotencyKeyOf(ctx) });
        const waitMs = parseWait(query.wait);
        const view = waitMs > 0 ? await getRun(runtime, principal.tenantId, run.id, { waitMs, signal: clientGone(ctx) }) : run;
        return { status: created ? 201 : 200, body: view, headers: { location: `/api/v1/runs/${run.id}` } };
      },
    }),
    defineRoute<{ items: Array<{ input?: unknown; siteId?: string }> }, unknown, { id: string }>({
      method: 'POST', path: '/pipelines/:id/runs\\:bulk', operationId: 'startRunsBulk', tag: 'runs', auth: { scope: 'runs:write' },
      summary: 'Start one run per item (e.g. one per site) under one batch id; every item is validated before any is stored. The same Idempotency-Key header returns the same batch (200) instead of a new one (202)',
      params: common.idParams,
      body: {
        type: 'object',
        properties: { items: { type: 'array', minItems: 1, maxItems: 5000, items: { type: 'object', properties: { input: {}, siteId }, additionalProperties: false } } },
        required: ['items'],
        additionalProperties: false,
      },
      responses: {
        202: { description: 'Stored and enqueued', schema: batchSchema },
        200: { description: 'The batch this Idempotency-Key started before', schema: batchSchema },
        409: { description: 'The key was used for another pipeline' },
      },
      handler: async ({ params, body, principal, ctx }) => {
        const { batch, created } = await startBulk(runtime, { tenantId: principal.tenantId, pipelineId: params.id, items: body.items, idempotencyKey: idempotencyKeyOf(ctx) });
        return { status: created ? 202 : 200, body: batch, headers: { location: `/api/v1/batches/${batch.id}` } };
      },
    }),
    defineRoute<unknown, unknown, { id: string }>({
      method: 'GET', path: '/batches/:id', operationId: 'getBatch', tag: 'runs', auth: { scope: 'runs:read' },
      summary: 'Progress of a bulk start: run counts by status',
      params: common.idParams,
      responses: { 200: { description: 'The batch', schema: batchSchema } },
      handler: async ({ params, principal }) => ({ body: await getBatch(runtime, principal.tenantId, params.id) }),
    }),
  ];
}
