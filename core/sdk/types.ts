/**
 * The plugin contract: what an agent or connector declares and what the hub
 * hands it. This file and its siblings in core/sdk are the public surface for
 * plugin authors (`switchyard/sdk`); nothing here exposes the Koa app, the
 * knex instance or the Socket.IO server.
 */

/** A JSON Schema (draft 2020-12 subset understood by ajv). */
export type JsonSchema = Record<string, unknown>;

/**
 * The plugin API this hub implements; plugins declare a semver range against it in `hub`.
 * 1.1.0 added ctx.signal (agents, connectors) and the `signal` option of ctx.http.request.
 */
export const PLUGIN_API_VERSION = '1.1.0';

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
  /**
   * Whether repeating the request is harmless. Defaults to true for GET, HEAD,
   * PUT and DELETE and false for POST and PATCH, which are then retried only
   * when the server certainly did not process them (429, connection refused).
   */
  idempotent?: boolean;
  /** Aborts the request and its retries; pass `ctx.signal` so a cancelled run stops waiting on the network. */
  signal?: AbortSignal;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON when the response is JSON, else the text. */
  body: T;
}

/**
 * Outbound HTTP for plugins. Non-2xx answers are returned (the connector's
 * client maps them); network failures, timeouts and refused targets throw a
 * PluginError (HUB_ERR_PLUGIN_HTTP_FAILED, _TIMEOUT, _BLOCKED). Private,
 * loopback and link-local addresses are refused unless the operator allows them.
 */
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

export interface ConnectorCallOptions {
  /** Passed to the action as ctx.idempotencyKey; derive it from task.idempotencyKey for side effects with real-world cost. */
  idempotencyKey?: string;
}

export interface AgentContext<Config = Record<string, unknown>> extends PluginContext<Config> {
  /**
   * Asks another agent for work and waits for its reply (or a timeout error).
   * Only inside a pipeline run; elsewhere it fails with HUB_ERR_PLUGIN_MESSAGING_UNAVAILABLE.
   */
  request<T = unknown>(agentId: string, task: Omit<AgentTask, 'runId' | 'stage' | 'attempt' | 'idempotencyKey'>, options: RequestOptions): Promise<T>;
  /** Fire-and-forget message to another agent; stored with the run. Only inside a pipeline run. */
  send(agentId: string, message: AgentEvent): Promise<void>;
  /** Runs a connector action for the same tenant (its credentials stay with the hub). */
  connector<T = unknown>(connectorId: string, action: string, input: unknown, options?: ConnectorCallOptions): Promise<T>;
  /**
   * Aborted when the hub stops waiting for this task: the run was cancelled,
   * the stage timed out, the worker lost the run, or the agent that asked
   * for it stopped waiting. Pass it on (`ctx.http.request(url, { signal })`,
   * the LLM SDKs' `signal` option) so abandoned work stops; the result of an
   * aborted task is discarded.
   */
  signal: AbortSignal;
}

export interface ConnectorContext<Config = Record<string, unknown>, Credentials = Record<string, unknown>> extends PluginContext<Config> {
  credentials: Credentials;
  /** Set when the caller supplied one (e.g. an agent stage); send it to the provider where it supports idempotency. */
  idempotencyKey?: string;
  /** The calling agent's ctx.signal when an agent runs the action; otherwise never aborted. */
  signal: AbortSignal;
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

/**
 * `malformed: true` means the request could not be parsed at all (answered 400);
 * otherwise a failed verification is a bad or missing signature (401 when
 * `missing`, else 403).
 */
export type VerifyResult = { ok: true } | { ok: false; reason: string; malformed?: boolean; missing?: boolean };

/** Kinds of money movement a connector can report for the hub's sales ledger. */
export type LedgerKind = 'sale' | 'refund' | 'chargeback' | 'rebill' | 'missed_payment';

/**
 * A money movement carried by an event. Refunds and chargebacks reverse the
 * sale named by `reversesTransactionId`, else the latest sale of `orderId`.
 */
export interface LedgerEntry {
  kind: LedgerKind;
  /** The provider's id of this transaction (unique per network and kind). */
  transactionId: string;
  /** Groups a sale with its refunds, chargebacks and rebills. */
  orderId?: string;
  reversesTransactionId?: string;
  /** Decimal string with a dot, e.g. `"49.00"`; never a float. Sign is decided by `kind`. */
  amount: string;
  /** ISO 4217 code. */
  currency: string;
  /** A site id or domain taken from tracking fields (custom, clickref); resolved by the hub. */
  siteRef?: string;
  occurredAt?: string;
}

/** A provider event in the hub's terms, e.g. type `digistore24.payment`. */
export interface NormalizedEvent {
  type: string;
  /** The provider's own id for the event: the dedupe key per tenant + connector. */
  providerEventId: string;
  occurredAt?: string;
  data: Record<string, unknown>;
  /** Set when the event moves money; the hub records it in the sales ledger. */
  ledger?: LedgerEntry;
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
  /** HTTP methods that carry events (default `['POST']`). */
  methods?: string[];
  /**
   * Answers a provider's endpoint check (e.g. Digistore24's validation `GET`)
   * without verifying or storing anything; return undefined to handle the request normally.
   */
  handshake?(request: RawWebhookRequest): WebhookReply | undefined;
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
