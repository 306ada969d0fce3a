/**
 * The plugin contract: what an agent or connector declares and what the hub
 * hands it. This file and its siblings in core/sdk are the public surface for
 * plugin authors (`switchyard/sdk`); nothing here exposes the Koa app, the
 * knex instance or the Socket.IO server.
 */

/** A JSON Schema (draft 2020-12 subset understood by ajv). */
export type JsonSchema = Record<string, unknown>;

/** The plugin API this hub implements; plugins declare a semver range against it in `hub`. */
export const PLUGIN_API_VERSION = '1.0.0';

export interface PluginLogger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

/** A progress or chat message an agent emits; stored with the run and sent to its rooms. */
export interface AgentEvent {
  type: string;
  message?: string;
  data?: Record<string, unknown>;
}

export interface RequestOptions {
  /** The reply must arrive within this many milliseconds or the call fails with HUB_ERR_AGENT_TIMEOUT. */
  timeoutMs: number;
}

export interface HttpRequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  headers?: Record<string, string>;
  /** Sent as JSON when an object, as-is when a string or bytes. */
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  timeoutMs?: number;
  /** Retries on network errors, 429 and 5xx (honouring Retry-After). Default 2. */
  retries?: number;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON when the response is JSON, else the text. */
  body: T;
}

export interface HttpClient {
  request<T = unknown>(url: string, options?: HttpRequestOptions): Promise<HttpResponse<T>>;
}

/** What every plugin receives. Narrow on purpose (see STYLE.md pattern 4). */
export interface PluginContext<Config = Record<string, unknown>> {
  pluginId: string;
  /** The tenant this call runs for; undefined during setup/teardown. */
  tenantId?: string;
  config: Config;
  logger: PluginLogger;
  http: HttpClient;
  /** Progress messages to the run's and agent's rooms. */
  emit(event: AgentEvent): void;
}

export interface AgentTask<Input = unknown> {
  capability: string;
  input: Input;
  /** Set when the task runs as a pipeline stage. */
  runId?: string;
  stage?: string;
  attempt?: number;
  /** Derived from run id + stage: pass it to side effects with real-world cost. */
  idempotencyKey?: string;
  siteId?: string;
}

export interface AgentContext<Config = Record<string, unknown>> extends PluginContext<Config> {
  /** Asks another agent for work and waits for its reply (or a timeout error). */
  request<T = unknown>(agentId: string, task: Omit<AgentTask, 'runId' | 'stage' | 'attempt' | 'idempotencyKey'>, options: RequestOptions): Promise<T>;
  /** Fire-and-forget message to another agent; stored with the run. */
  send(agentId: string, message: AgentEvent): Promise<void>;
  /** Runs a connector action for the same tenant (its credentials stay with the hub). */
  connector<T = unknown>(connectorId: string, action: string, input: unknown): Promise<T>;
}

export interface ConnectorContext<Config = Record<string, unknown>, Credentials = Record<string, unknown>> extends PluginContext<Config> {
  credentials: Credentials;
}

export interface CapabilityDefinition {
  description: string;
  input: JsonSchema;
  output?: JsonSchema;
}

export interface AgentDefinition<Config = Record<string, unknown>> {
  kind: 'agent';
  id: string;
  version: string;
  /** Semver range of the plugin API (PLUGIN_API_VERSION) this agent supports. */
  hub: string;
  description: string;
  capabilities: Record<string, CapabilityDefinition>;
  config?: JsonSchema;
  /** Hub services the plugin uses, e.g. ['llm', 'vectors']. */
  requires?: string[];
  setup?(ctx: PluginContext<Config>): Promise<void> | void;
  teardown?(): Promise<void> | void;
  handle(task: AgentTask, ctx: AgentContext<Config>): Promise<unknown> | unknown;
}

export interface ActionDefinition<Input = any, Output = unknown, Config = any, Credentials = any> {
  description: string;
  input: JsonSchema;
  output?: JsonSchema;
  run(input: Input, ctx: ConnectorContext<Config, Credentials>): Promise<Output> | Output;
}

/** An inbound webhook request exactly as received. */
export interface RawWebhookRequest {
  method: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  query: Record<string, string>;
  body: Buffer;
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

/** A provider event in the hub's terms, e.g. type `digistore24.payment`. */
export interface NormalizedEvent {
  type: string;
  /** The provider's own id for the event: the dedupe key per tenant + connector. */
  providerEventId: string;
  occurredAt?: string;
  data: Record<string, unknown>;
}

export interface WebhookReply {
  status: number;
  contentType?: string;
  body: string;
}

export interface WebhookDefinition<Config = any, Credentials = any> {
  verify(request: RawWebhookRequest, ctx: ConnectorContext<Config, Credentials>): Promise<VerifyResult> | VerifyResult;
  normalize(request: RawWebhookRequest, ctx: ConnectorContext<Config, Credentials>): Promise<NormalizedEvent[]> | NormalizedEvent[];
  /** The answer the provider expects on success (e.g. Digistore24 wants plain `OK`). */
  reply?(events: NormalizedEvent[]): WebhookReply;
}

export interface ConnectorDefinition<Config = any, Credentials = any> {
  kind: 'connector';
  id: string;
  version: string;
  hub: string;
  description: string;
  credentials: JsonSchema;
  config?: JsonSchema;
  requires?: string[];
  /** A cheap live call proving the credentials work. */
  check?(ctx: ConnectorContext<Config, Credentials>): Promise<void> | void;
  actions: Record<string, ActionDefinition<any, unknown, Config, Credentials>>;
  webhook?: WebhookDefinition<Config, Credentials>;
  setup?(ctx: PluginContext<Config>): Promise<void> | void;
  teardown?(): Promise<void> | void;
}

export type PluginDefinition = AgentDefinition<any> | ConnectorDefinition<any, any>;
