/**
 * The plugin API: what is installed (hub-wide) and each tenant's settings of
 * it (enabled, config, credentials), a connector's credential check and one
 * action run directly. Credentials go in and never come out: responses list
 * only the names of the fields that are set.
 */
import { HubError } from '../../errors.js';
import { pluginErrorToHub } from '../../plugins/plugin-errors.js';
import { pluginIdPattern } from '../../plugins/manifest.js';
import type { PluginRegistry } from '../../plugins/registry.js';
import type { PluginHealth } from '../../plugins/plugin-metrics.js';
import type { PluginRecord } from '../../plugins/plugin-record.js';
import type { TenantPluginSettings } from '../../plugins/settings-service.js';
import type { AgentDefinition, ConnectorDefinition } from '../../sdk/types.js';
import { defineRoute, type RouteSpec } from '../route.js';

const pluginId = { type: 'string', minLength: 2, maxLength: 64, pattern: pluginIdPattern };
const idParams = { type: 'object', properties: { id: pluginId }, required: ['id'], additionalProperties: false };
const actionParams = {
  type: 'object',
  properties: { id: pluginId, action: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9_]{0,63}$' } },
  required: ['id', 'action'],
  additionalProperties: false,
};
/** Settings bodies are JSON objects; their fields are checked against the plugin's own schema. */
const settingsBody = { type: 'object', maxProperties: 200 };

const failureSchema = {
  type: ['object', 'null'],
  properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'array' } },
};
const healthSummarySchema = {
  type: 'object',
  properties: {
    calls: { type: 'integer' },
    failures: { type: 'integer' },
    lastCallAt: { type: ['string', 'null'] },
    lastError: { type: ['object', 'null'] },
  },
};
const summarySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: ['string', 'null'], enum: ['agent', 'connector', null] },
    version: { type: ['string', 'null'] },
    description: { type: ['string', 'null'] },
    source: { type: 'string', enum: ['builtin', 'package', 'path'] },
    origin: { type: 'string' },
    status: { type: 'string', enum: ['loading', 'ready', 'failed', 'stopped'] },
    failure: failureSchema,
    capabilities: { type: 'array', items: { type: 'string' } },
    actions: { type: 'array', items: { type: 'string' } },
    webhook: { type: 'boolean' },
    enabled: { type: 'boolean' },
    health: healthSummarySchema,
  },
  required: ['id', 'kind', 'version', 'source', 'status', 'failure', 'enabled'],
};
const settingsSchema = {
  type: 'object',
  properties: {
    enabled: { type: 'boolean' },
    config: { type: 'object' },
    credentialFields: { type: 'array', items: { type: 'string' }, description: 'Names of the credential fields that are set; values are never returned' },
    updatedAt: { type: ['string', 'null'] },
  },
  required: ['enabled', 'config', 'credentialFields', 'updatedAt'],
};
const detailSchema = {
  type: 'object',
  properties: {
    ...summarySchema.properties,
    hub: { type: ['string', 'null'] },
    requires: { type: 'array', items: { type: 'string' } },
    configSchema: { type: ['object', 'null'] },
    credentialsSchema: { type: ['object', 'null'] },
    operations: { type: 'object', description: 'Capabilities (agents) or actions (connectors) with their input and output schemas' },
    settings: settingsSchema,
    health: { type: 'object' },
  },
  required: [...summarySchema.required, 'settings', 'operations'],
};

function operationNames(record: PluginRecord): { capabilities?: string[]; actions?: string[]; webhook?: boolean } {
  const def = record.definition;
  if (!def) return {};
  if (def.kind === 'agent') return { capabilities: Object.keys(def.capabilities) };
  return { actions: Object.keys(def.actions), webhook: Boolean(def.webhook) };
}

function summary(registry: PluginRegistry, record: PluginRecord, enabled: boolean, health: PluginHealth = registry.health.health(record.id)) {
  const { calls, failures, lastCallAt, lastError } = health;
  return {
    id: record.id,
    kind: record.kind ?? null,
    version: record.version ?? null,
    description: record.description ?? null,
    source: record.source,
    origin: record.origin,
    status: record.status,
    failure: record.failure ?? null,
    ...operationNames(record),
    enabled,
    health: { calls, failures, lastCallAt, lastError },
  };
}

function detail(registry: PluginRegistry, record: PluginRecord, settings: TenantPluginSettings) {
  const def = record.definition;
  const ops = def?.kind === 'agent' ? (def as AgentDefinition).capabilities : def?.kind === 'connector' ? (def as ConnectorDefinition).actions : {};
  const operations: Record<string, { description: string; input: unknown; output?: unknown }> = {};
  for (const [name, op] of Object.entries(ops)) operations[name] = { description: op.description, input: op.input, ...(op.output ? { output: op.output } : {}) };
  const health = registry.health.health(record.id);
  return {
    ...summary(registry, record, settings.enabled, health),
    hub: record.hub ?? null,
    requires: def?.requires ?? [],
    configSchema: def?.config ?? null,
    credentialsSchema: def?.kind === 'connector' ? def.credentials : null,
    operations,
    settings,
    health,
  };
}

function known(registry: PluginRegistry, id: string): PluginRecord {
  const record = registry.get(id);
  if (!record) throw new HubError('HUB_ERR_PLUGIN_NOT_FOUND', { message: `No plugin "${id}"`, details: { plugin: id } });
  return record;
}

/** Config and credentials are validated against the plugin's schemas, which only a loaded plugin has. */
function loaded(registry: PluginRegistry, id: string): PluginRecord {
  const record = known(registry, id);
  if (!record.schemas) {
    throw new HubError('HUB_ERR_PLUGIN_UNAVAILABLE', { message: record.failure?.message ?? `${id} is not loaded`, details: { plugin: id, reason: record.failure?.code } });
  }
  return record;
}

/** Answers of the routes that replace a tenant's config or credentials. */
const settingsWriteResponses = {
  200: { description: 'The tenant\'s settings', schema: settingsSchema },
  400: { description: 'Schema violations with field paths' },
  404: { description: 'No such plugin' },
};

/** PUT /plugins/:id/config and /plugins/:id/credentials: the body is checked against the plugin's own schema. */
function settingsWriteRoute(
  registry: PluginRegistry,
  route: { path: string; operationId: string; summary: string },
  write: (tenantId: string, record: PluginRecord, body: Record<string, unknown>) => Promise<TenantPluginSettings>,
): RouteSpec {
  return defineRoute<Record<string, unknown>, unknown, { id: string }>({
    method: 'PUT', path: route.path, operationId: route.operationId, tag: 'plugins', auth: { scope: 'plugins:write' },
    summary: route.summary,
    params: idParams,
    body: settingsBody,
    responses: settingsWriteResponses,
    handler: async ({ params, body, principal }) => ({ body: await write(principal.tenantId, loaded(registry, params.id), body) }),
  });
}

export function pluginsRoutes(deps: { plugins: PluginRegistry }): RouteSpec[] {
  const registry = deps.plugins;
  return [
    defineRoute<unknown, { kind?: 'agent' | 'connector'; status?: string }>({
      method: 'GET', path: '/plugins', operationId: 'listPlugins', tag: 'plugins', auth: { scope: 'plugins:read' },
      summary: 'List installed agents and connectors with their status, failure reason, operations and health',
      query: {
        type: 'object',
        properties: { kind: { type: 'string', enum: ['agent', 'connector'] }, status: { type: 'string', enum: ['loading', 'ready', 'failed', 'stopped'] } },
        additionalProperties: false,
      },
      responses: { 200: { description: 'Plugins in discovery order', schema: { type: 'object', properties: { items: { type: 'array', items: summarySchema } }, required: ['items'] } } },
      handler: async ({ query, principal }) => {
        const enabled = await registry.settings.enabledMap(principal.tenantId);
        const items = registry.list()
          .filter((r) => (!query.kind || r.kind === query.kind) && (!query.status || r.status === query.status))
          .map((r) => summary(registry, r, enabled.get(r.id) ?? true));
        return { body: { items } };
      },
    }),
    defineRoute<unknown, unknown, { id: string }>({
      method: 'GET', path: '/plugins/:id', operationId: 'getPlugin', tag: 'plugins', auth: { scope: 'plugins:read' },
      summary: 'One plugin: manifest schemas, this tenant\'s settings (credential field names only) and health',
      params: idParams,
      responses: { 200: { description: 'The plugin', schema: detailSchema }, 404: { description: 'No such plugin' } },
      handler: async ({ params, principal }) => {
        const record = known(registry, params.id);
        return { body: detail(registry, record, await registry.settings.view(principal.tenantId, record.id)) };
      },
    }),
    defineRoute<{ enabled: boolean }, unknown, { id: string }>({
      method: 'PUT', path: '/plugins/:id/enabled', operationId: 'setPluginEnabled', tag: 'plugins', auth: { scope: 'plugins:write' },
      summary: 'Enable or disable a plugin for this tenant (disabled plugins refuse every call)',
      params: idParams,
      body: { type: 'object', properties: { enabled: { type: 'boolean' } }, required: ['enabled'], additionalProperties: false },
      responses: { 200: { description: 'The tenant\'s settings', schema: settingsSchema }, 404: { description: 'No such plugin' } },
      handler: async ({ params, body, principal }) => {
        const record = known(registry, params.id);
        return { body: await registry.settings.setEnabled(principal.tenantId, record.id, body.enabled) };
      },
    }),
    settingsWriteRoute(registry, {
      path: '/plugins/:id/config', operationId: 'setPluginConfig',
      summary: 'Replace this tenant\'s config of a plugin; validated against the plugin\'s config schema (400 with field paths, nothing changed)',
    }, (tenantId, record, body) => registry.settings.setConfig(tenantId, record, body)),
    settingsWriteRoute(registry, {
      path: '/plugins/:id/credentials', operationId: 'setPluginCredentials',
      summary: 'Replace this tenant\'s credentials of a connector; encrypted at rest and never returned (the answer lists the field names set)',
    }, (tenantId, record, body) => registry.settings.setCredentials(tenantId, record, body)),
    defineRoute<unknown, unknown, { id: string }>({
      method: 'DELETE', path: '/plugins/:id/credentials', operationId: 'deletePluginCredentials', tag: 'plugins', auth: { scope: 'plugins:write' },
      summary: 'Forget this tenant\'s credentials of a connector',
      params: idParams,
      responses: { 204: { description: 'Forgotten' }, 404: { description: 'No such plugin' } },
      handler: async ({ params, principal }) => {
        const record = known(registry, params.id);
        await registry.settings.clearCredentials(principal.tenantId, record.id);
        return { status: 204 };
      },
    }),
    defineRoute<unknown, unknown, { id: string }>({
      method: 'POST', path: '/plugins/:id/check', operationId: 'checkPluginCredentials', tag: 'plugins', auth: { scope: 'plugins:write' },
      summary: 'Run the connector\'s cheap live credential check with this tenant\'s credentials',
      params: idParams,
      responses: {
        200: { description: 'The credentials work', schema: { type: 'object', properties: { ok: { const: true }, latencyMs: { type: 'number' } }, required: ['ok'] } },
        409: { description: 'Disabled, not configured or not loaded' },
        501: { description: 'The connector has no check (or it is not implemented yet)' },
        502: { description: 'The provider refused the credentials or failed' },
      },
      handler: async ({ params, principal }) => {
        const started = performance.now();
        try {
          await registry.checkConnector(principal.tenantId, params.id);
        } catch (err) {
          throw pluginErrorToHub(params.id, err);
        }
        return { body: { ok: true, latencyMs: Math.round(performance.now() - started) } };
      },
    }),
    defineRoute<{ input: unknown; idempotencyKey?: string }, unknown, { id: string; action: string }>({
      method: 'POST', path: '/plugins/:id/actions/:action', operationId: 'runPluginAction', tag: 'plugins', auth: { scope: 'plugins:write' },
      summary: 'Run one connector action for this tenant; the input is validated against the action\'s schema',
      params: actionParams,
      body: {
        type: 'object',
        properties: { input: {}, idempotencyKey: { type: 'string', minLength: 1, maxLength: 200 } },
        required: ['input'],
        additionalProperties: false,
      },
      responses: {
        200: { description: 'The action\'s output', schema: { type: 'object', properties: { output: {} } } },
        400: { description: 'Input does not match the action\'s schema (field paths under /body/input)' },
        404: { description: 'No such plugin or action' },
        409: { description: 'Disabled, not configured or not loaded' },
        501: { description: 'The action is declared but not implemented yet' },
        502: { description: 'The connector or its provider failed' },
      },
      handler: async ({ params, body, principal }) => {
        try {
          const output = await registry.runConnectorAction(principal.tenantId, params.id, params.action, body.input, { idempotencyKey: body.idempotencyKey, inputRoot: '/body/input' });
          return { body: { output: output ?? null } };
        } catch (err) {
          throw pluginErrorToHub(params.id, err);
        }
      },
    }),
  ];
}
