/**
 * The plugin test harness: unit-test an agent or connector without a server.
 *
 *   const ctx = createTestContext({ config: { greeting: 'Hi' } });
 *   const out = await runCapability(myAgent, 'greet', { name: 'Ada' }, ctx);
 *   expect(ctx.events).to.have.length(1);
 *
 * runCapability/runAction validate input and output against the plugin's own
 * schemas exactly as the hub does, and checkManifest reports what the
 * registry would refuse. ctx.http is the hub's real client (timeouts,
 * retries, private-address refusal), so nock fixtures behave as in the hub;
 * pass `http` to answer requests yourself.
 */
import type { ValidateFunction } from 'ajv';
import { fieldProblems } from '../http/validation.js';
import { checkManifest, compilePluginSchemas, type PluginSchemas } from '../plugins/manifest.js';
import { createHttpClient } from '../plugins/http-client.js';
import { MessagingUnavailableError, PluginError } from './errors.js';
import type {
  AgentContext,
  AgentDefinition,
  AgentEvent,
  AgentTask,
  ConnectorCallOptions,
  ConnectorContext,
  ConnectorDefinition,
  HttpClient,
  HttpRequestOptions,
  HttpResponse,
  PluginLogger,
  RequestOptions,
} from './types.js';

export { checkManifest };
export type { ManifestProblem } from '../plugins/manifest.js';

export type HttpHandler = (url: string, options: HttpRequestOptions) => HttpResponse | Promise<HttpResponse>;

export interface TestContextOptions<Config = Record<string, unknown>, Credentials = Record<string, unknown>> {
  pluginId?: string;
  tenantId?: string;
  config?: Config;
  credentials?: Credentials;
  idempotencyKey?: string;
  /** ctx.signal; abort it to test how the plugin stops (default: never aborted). */
  signal?: AbortSignal;
  /** A client or a function answering each request; default: the hub's real client. */
  http?: HttpClient | HttpHandler;
  /** Answers ctx.request; without it ctx.request fails like outside a pipeline. */
  request?: (agentId: string, task: Omit<AgentTask, 'runId' | 'stage' | 'attempt' | 'idempotencyKey'>, options: RequestOptions) => unknown;
  /** Receives ctx.send; without it ctx.send fails like outside a pipeline. */
  send?: (agentId: string, message: AgentEvent) => void | Promise<void>;
  /** Answers ctx.connector. */
  connector?: (connectorId: string, action: string, input: unknown, options?: ConnectorCallOptions) => unknown;
}

export interface TestLogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object | string;
  msg?: string;
}

/** A context that is both an agent and a connector context, recording what the plugin did. */
export interface TestContext<Config = Record<string, unknown>, Credentials = Record<string, unknown>>
  extends AgentContext<Config>, ConnectorContext<Config, Credentials> {
  readonly events: AgentEvent[];
  readonly logs: TestLogEntry[];
  readonly sent: Array<{ agentId: string; message: AgentEvent }>;
  readonly requests: Array<{ agentId: string; task: unknown; options: RequestOptions }>;
  readonly connectorCalls: Array<{ connectorId: string; action: string; input: unknown; options?: ConnectorCallOptions }>;
}

export function createTestContext<Config = Record<string, unknown>, Credentials = Record<string, unknown>>(
  options: TestContextOptions<Config, Credentials> = {},
): TestContext<Config, Credentials> {
  const events: AgentEvent[] = [];
  const logs: TestLogEntry[] = [];
  const sent: TestContext['sent'] = [];
  const requests: TestContext['requests'] = [];
  const connectorCalls: TestContext['connectorCalls'] = [];
  const log = (level: TestLogEntry['level']) => (obj: object | string, msg?: string) => void logs.push({ level, obj, msg });
  const logger: PluginLogger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const given = options.http;
  const http: HttpClient = typeof given === 'function'
    ? { request: async <T>(url: string, o: HttpRequestOptions = {}) => (await given(url, o)) as HttpResponse<T> }
    : given ?? createHttpClient({ timeoutMs: 15_000 });
  return {
    pluginId: options.pluginId ?? 'test-plugin',
    tenantId: options.tenantId ?? 'test-tenant',
    config: (options.config ?? {}) as Config,
    credentials: (options.credentials ?? {}) as Credentials,
    idempotencyKey: options.idempotencyKey,
    signal: options.signal ?? new AbortController().signal,
    logger,
    http,
    events,
    logs,
    sent,
    requests,
    connectorCalls,
    emit: (event) => void events.push(event),
    async request<T>(agentId: string, task: Omit<AgentTask, 'runId' | 'stage' | 'attempt' | 'idempotencyKey'>, requestOptions: RequestOptions): Promise<T> {
      requests.push({ agentId, task, options: requestOptions });
      if (!options.request) throw new MessagingUnavailableError(`ctx.request('${agentId}')`);
      return (await options.request(agentId, task, requestOptions)) as T;
    },
    async send(agentId: string, message: AgentEvent): Promise<void> {
      sent.push({ agentId, message });
      if (!options.send) throw new MessagingUnavailableError(`ctx.send('${agentId}')`);
      await options.send(agentId, message);
    },
    async connector<T>(connectorId: string, action: string, input: unknown, callOptions?: ConnectorCallOptions): Promise<T> {
      connectorCalls.push({ connectorId, action, input, options: callOptions });
      if (!options.connector) throw new PluginError('HUB_ERR_PLUGIN_NOT_FOUND', `no connector answer configured in createTestContext for ${connectorId}.${action}`);
      return (await options.connector(connectorId, action, input, callOptions)) as T;
    },
  };
}

/** Compiled schemas per plugin definition, so a test suite running many calls compiles each plugin once. */
const compiled = new WeakMap<object, PluginSchemas>();

function schemasOf(definition: AgentDefinition<any> | ConnectorDefinition<any, any>): PluginSchemas {
  let schemas = compiled.get(definition);
  if (!schemas) {
    schemas = compilePluginSchemas(definition).schemas;
    compiled.set(definition, schemas);
  }
  return schemas;
}

function validateOrThrow(validate: ValidateFunction | undefined, value: unknown, code: string, what: string): void {
  if (!validate || validate(value)) return;
  const details = fieldProblems(validate.errors);
  throw new PluginError(code, `${what}: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, { details });
}

/** Runs one capability like the hub: input validated first, output checked against its schema. */
export async function runCapability<T = unknown>(agent: AgentDefinition<any>, capability: string, input: unknown, ctx: AgentContext<any> = createTestContext()): Promise<T> {
  const schemas = schemasOf(agent);
  if (!Object.hasOwn(agent.capabilities, capability)) throw new PluginError('HUB_ERR_PLUGIN_UNKNOWN_OPERATION', `${agent.id} has no capability ${capability}`);
  validateOrThrow(schemas.inputs.get(capability), input, 'HUB_ERR_VALIDATION_FAILED', `invalid input for ${agent.id}.${capability}`);
  const output = await agent.handle({ capability, input }, ctx);
  validateOrThrow(schemas.outputs.get(capability), output, 'HUB_ERR_PLUGIN_BAD_OUTPUT', `${agent.id}.${capability} output does not match its schema`);
  return output as T;
}

/** Runs one connector action like the hub: input validated first, output checked against its schema. */
export async function runAction<T = unknown>(connector: ConnectorDefinition<any, any>, action: string, input: unknown, ctx: ConnectorContext<any, any> = createTestContext()): Promise<T> {
  const schemas = schemasOf(connector);
  if (!Object.hasOwn(connector.actions, action)) throw new PluginError('HUB_ERR_PLUGIN_UNKNOWN_OPERATION', `${connector.id} has no action ${action}`);
  validateOrThrow(schemas.inputs.get(action), input, 'HUB_ERR_VALIDATION_FAILED', `invalid input for ${connector.id}.${action}`);
  const output = await connector.actions[action].run(input, ctx);
  validateOrThrow(schemas.outputs.get(action), output, 'HUB_ERR_PLUGIN_BAD_OUTPUT', `${connector.id}.${action} output does not match its schema`);
  return output as T;
}
