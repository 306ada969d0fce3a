/** Trigger rules API: which webhook events start which pipeline, with what input. */
import { HubError } from '../../core/errors.js';
import { common, defineRoute, type RouteSpec } from '../../core/http/route.js';
import type { RulesStore, TriggerRuleInput } from '../triggers/rules-store.js';

const filter = {
  type: 'object',
  properties: {
    path: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$' },
    op: { type: 'string', enum: ['eq', 'ne', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'contains', 'exists'] },
    value: {},
  },
  required: ['path', 'op'],
  additionalProperties: false,
};
const fields = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  eventType: { type: 'string', minLength: 1, maxLength: 128, pattern: '^(\\*|[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)*(\\.\\*)?)$' },
  filters: { type: 'array', items: filter, maxItems: 20 },
  pipelineId: common.uuid,
  inputMapping: { type: 'object', maxProperties: 100, description: 'Pipeline input; strings may hold {{path}} templates over the event (id, type, data.*, ledger.*, siteId)' },
  enabled: { type: 'boolean' },
};

export function triggerRulesRoutes(deps: { rules: RulesStore; pipelineExists?(tenantId: string, pipelineId: string): Promise<boolean> }): RouteSpec[] {
  const notFound = () => new HubError('HUB_ERR_NOT_FOUND', { message: 'No such trigger rule' });
  const checkPipeline = async (tenantId: string, pipelineId: string | undefined) => {
    if (pipelineId && deps.pipelineExists && !(await deps.pipelineExists(tenantId, pipelineId))) {
      throw new HubError('HUB_ERR_VALIDATION_FAILED', { message: 'No such pipeline', details: [{ path: '/body/pipelineId', message: 'no such pipeline' }] });
    }
  };
  return [
    defineRoute({
      method: 'GET', path: '/trigger-rules', operationId: 'listTriggerRules', tag: 'trigger rules', auth: { scope: 'events:read' },
      summary: 'List trigger rules',
      responses: { 200: { description: 'Rules' } },
      handler: async ({ principal }) => ({ body: { items: await deps.rules.list(principal.tenantId) } }),
    }),
    defineRoute<TriggerRuleInput>({
      method: 'POST', path: '/trigger-rules', operationId: 'createTriggerRule', tag: 'trigger rules', auth: { scope: 'events:write' },
      summary: 'Create a trigger rule',
      body: { type: 'object', properties: fields, required: ['name', 'eventType', 'pipelineId'], additionalProperties: false },
      responses: { 201: { description: 'Created' } },
      handler: async ({ body, principal }) => {
        await checkPipeline(principal.tenantId, body.pipelineId);
        return { status: 201, body: await deps.rules.create(principal.tenantId, body) };
      },
    }),
    defineRoute<unknown, unknown, { id: string }>({
      method: 'GET', path: '/trigger-rules/:id', operationId: 'getTriggerRule', tag: 'trigger rules', auth: { scope: 'events:read' },
      summary: 'Get a trigger rule', params: common.idParams,
      responses: { 200: { description: 'The rule' } },
      handler: async ({ params, principal }) => {
        const rule = await deps.rules.get(principal.tenantId, params.id);
        if (!rule) throw notFound();
        return { body: rule };
      },
    }),
    defineRoute<Partial<TriggerRuleInput>, unknown, { id: string }>({
      method: 'PATCH', path: '/trigger-rules/:id', operationId: 'updateTriggerRule', tag: 'trigger rules', auth: { scope: 'events:write' },
      summary: 'Change a trigger rule', params: common.idParams,
      body: { type: 'object', properties: fields, minProperties: 1, additionalProperties: false },
      responses: { 200: { description: 'The changed rule' } },
      handler: async ({ params, body, principal }) => {
        await checkPipeline(principal.tenantId, body.pipelineId);
        const rule = await deps.rules.update(principal.tenantId, params.id, body);
        if (!rule) throw notFound();
        return { body: rule };
      },
    }),
    defineRoute<unknown, unknown, { id: string }>({
      method: 'DELETE', path: '/trigger-rules/:id', operationId: 'deleteTriggerRule', tag: 'trigger rules', auth: { scope: 'events:write' },
      summary: 'Delete a trigger rule', params: common.idParams,
      responses: { 204: { description: 'Deleted' } },
      handler: async ({ params, principal }) => {
        if (!(await deps.rules.remove(principal.tenantId, params.id))) throw notFound();
        return { status: 204 };
      },
    }),
  ];
}
