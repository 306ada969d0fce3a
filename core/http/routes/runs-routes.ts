/**
 * Runs of the caller's tenant: list with filters, read (with ?wait long
 * poll), events since a seq (replay), cancel and resume. Another tenant's run
 * answers 404.
 */
import type { Runtime } from '../../runtime.js';
import { RunEventsRepo } from '../../db/repos/run-events-repo.js';
import { runStatuses, type RunFilters } from '../../db/repos/runs-repo.js';
import { cancelRun, getRun, listRuns, requireRun, resumeRun } from '../../pipelines/run-service.js';
import { runViewSchema } from '../../pipelines/run-views.js';
import { common, defineRoute, type RouteSpec } from '../route.js';
import { clientGone, parseWait, waitQuery } from './run-wait.js';

/** The list query is exactly the repository's filter set. */
type ListQuery = RunFilters;

const eventSchema = {
  type: 'object',
  properties: { seq: { type: 'integer' }, name: { type: 'string' }, runId: { type: 'string' }, agentId: { type: ['string', 'null'] }, data: { type: 'object' }, createdAt: { type: 'string' } },
  required: ['seq', 'name', 'data', 'createdAt'],
};

export function runsRoutes(deps: { runtime: Runtime }): RouteSpec[] {
  const { runtime } = deps;
  return [
    defineRoute<unknown, ListQuery>({
      method: 'GET', path: '/runs', operationId: 'listRuns', tag: 'runs', auth: { scope: 'runs:read' },
      summary: 'List runs, newest first, filtered by pipeline, status, site, batch and creation time',
      query: {
        type: 'object',
        properties: {
          pipelineId: common.uuid,
          status: { type: 'string', enum: [...runStatuses] },
          siteId: common.siteId,
          batchId: common.uuid,
          createdAfter: { type: 'string', format: 'date-time' },
          createdBefore: { type: 'string', format: 'date-time' },
          ...common.pageQuery.properties,
        },
        additionalProperties: false,
      },
      responses: { 200: { description: 'A page of runs (stages without agent messages)', schema: { type: 'object', properties: { items: { type: 'array', items: runViewSchema }, total: { type: 'integer' } } } } },
      handler: async ({ query, principal }) => ({ body: await listRuns(runtime, principal.tenantId, query) }),
    }),
    defineRoute<unknown, { wait?: string }, { id: string }>({
      method: 'GET', path: '/runs/:id', operationId: 'getRun', tag: 'runs', auth: { scope: 'runs:read' },
      summary: 'A run: status, every stage (status, attempts, output, error, timings) and agent messages; ?wait=30s waits until it finishes',
      params: common.idParams,
      query: waitQuery,
      responses: { 200: { description: 'The run', schema: runViewSchema } },
      handler: async ({ params, query, principal, ctx }) => {
        const waitMs = parseWait(query.wait);
        return { body: await getRun(runtime, principal.tenantId, params.id, { waitMs, signal: waitMs > 0 ? clientGone(ctx) : undefined }) };
      },
    }),
    defineRoute<unknown, { after: number; limit: number }, { id: string }>({
      method: 'GET', path: '/runs/:id/events', operationId: 'listRunEvents', tag: 'runs', auth: { scope: 'runs:read' },
      summary: 'Stored events of a run with seq greater than `after` (replay after a reconnect)',
      params: common.idParams,
      query: {
        type: 'object',
        properties: { after: { type: 'integer', minimum: 0, maximum: 2_147_483_647, default: 0 }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 200 } },
        additionalProperties: false,
      },
      responses: { 200: { description: 'Events, oldest first', schema: { type: 'object', properties: { items: { type: 'array', items: eventSchema } } } } },
      handler: async ({ params, query, principal }) => {
        await requireRun(runtime, principal.tenantId, params.id); // 404 for unknown and other tenants' runs
        const items = await new RunEventsRepo(runtime.db).listSince(principal.tenantId, params.id, query.after, query.limit);
        return { body: { items: items.map(({ tenantId: _t, ...e }) => e) } };
      },
    }),
    defineRoute<unknown, unknown, { id: string }>({
      method: 'POST', path: '/runs/:id/cancel', operationId: 'cancelRun', tag: 'runs', auth: { scope: 'runs:write' },
      summary: 'Cancel a queued or running run: no further stages start',
      params: common.idParams,
      responses: { 200: { description: 'The cancelled run', schema: runViewSchema }, 409: { description: 'The run has finished already' } },
      handler: async ({ params, principal }) => ({ body: await cancelRun(runtime, principal.tenantId, params.id) }),
    }),
    defineRoute<unknown, unknown, { id: string }>({
      method: 'POST', path: '/runs/:id/resume', operationId: 'resumeRun', tag: 'runs', auth: { scope: 'runs:write' },
      summary: 'Resume a failed or cancelled run from its unfinished stages (completed stages are kept, not re-run)',
      params: common.idParams,
      responses: { 202: { description: 'Queued again', schema: runViewSchema }, 409: { description: 'Not failed or cancelled' } },
      handler: async ({ params, principal }) => ({ status: 202, body: await resumeRun(runtime, principal.tenantId, params.id) }),
    }),
  ];
}

