/**
 * The plugin registry: discovers, checks, starts and stops plugins, and runs
 * their capabilities and actions for a tenant with the tenant's settings.
 *
 * Lifecycle (STYLE.md patterns 3 and 5): every candidate is loaded and its
 * manifest checked before any setup runs; setups then run one by one in
 * discovery order, each within PLUGIN_START_TIMEOUT_MS; teardown runs in
 * reverse. A plugin failing any step is marked `failed` with a coded reason
 * and the hub carries on with the others.
 */
import type { Registry } from 'prom-client';
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import { HubError } from '../errors.js';
import type { Logger } from '../logger.js';
import { assertValid, fieldProblems } from '../http/validation.js';
import type { AgentCatalog, AgentDescription, AgentMessaging } from '../pipelines/agent-catalog.js';
import type { Keyring } from '../secrets/keyring.js';
import { PluginError } from '../sdk/errors.js';
import type {
  AgentDefinition,
  AgentTask,
  ConnectorCallOptions,
  ConnectorContext,
  ConnectorDefinition,
  HttpClient,
  WebhookDefinition,
} from '../sdk/types.js';
import { agentContext, connectorContext, pluginContext } from './context.js';
import { discoverPlugins } from './discovery.js';
import { createHttpClient, type ClosableHttpClient } from './http-client.js';
import { loadCandidate } from './loader.js';
import { builtinDirs as defaultBuiltinDirs, defaultPackageDir } from './paths.js';
import type { PluginRecord } from './plugin-record.js';
import { PluginMetrics } from './plugin-metrics.js';
import { registerSdkResolution } from './sdk-resolution.js';
import { PluginSettingsService } from './settings-service.js';
import { TimeoutError, withTimeout } from './timeout.js';

export interface PluginRegistryOptions {
  config: Readonly<Config>;
  logger: Logger;
  db: Db;
  metrics: Registry;
  keyring: Keyring;
  /** Tests may replace the built-in folders. */
  builtinDirs?: string[];
}

function errMessage(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}

export class PluginRegistry implements AgentCatalog {
  readonly settings: PluginSettingsService;
  readonly health: PluginMetrics;
  private records: PluginRecord[] = [];
  private readonly byId = new Map<string, PluginRecord>();
  private readonly started: PluginRecord[] = [];
  private readonly httpClients = new Map<string, ClosableHttpClient>();
  private readonly httpFacades = new Map<string, HttpClient>();
  private starting?: Promise<void>;
  private stopping?: Promise<void>;

  constructor(private readonly options: PluginRegistryOptions) {
    this.settings = new PluginSettingsService(options.db, options.keyring, options.config.pluginSettingsCacheMs);
    this.health = new PluginMetrics(options.metrics);
  }

  private get logger(): Logger {
    return this.options.logger;
  }

  /** Discovers, checks and starts every plugin. Safe to call more than once. */
  start(): Promise<void> {
    this.starting ??= this.startAll();
    return this.starting;
  }

  private async startAll(): Promise<void> {
    const { config } = this.options;
    registerSdkResolution();
    const candidates = discoverPlugins({
      builtinDirs: this.options.builtinDirs ?? defaultBuiltinDirs,
      packageDirs: config.pluginPackageDirs ?? [defaultPackageDir],
      paths: config.pluginPaths,
    });
    const timeoutMs = config.pluginStartTimeoutMs;
    // Imports are independent of each other; the checks and setups below run in order.
    const loaded = await Promise.all(candidates.map((c) => loadCandidate(c, timeoutMs)));
    for (const record of loaded) {
      if (record.status === 'loading') {
        const first = this.byId.get(record.id);
        if (first) {
          record.status = 'failed';
          record.failure = { code: 'HUB_ERR_PLUGIN_DUPLICATE_ID', message: `${record.id}: id already used by ${first.source} plugin "${first.origin}"; "${record.origin}" (${record.source}) was not loaded` };
          delete record.definition;
          delete record.schemas;
        } else {
          this.byId.set(record.id, record);
        }
      }
      this.records.push(record);
    }
    for (const record of this.records) {
      if (record.status === 'loading') await this.setup(record, timeoutMs);
    }
    for (const record of this.records) {
      if (record.status === 'failed') this.logger.warn({ plugin: record.id, origin: record.origin, code: record.failure?.code, reason: record.failure?.message }, 'plugin not started');
    }
    const ready = this.records.filter((r) => r.status === 'ready').map((r) => r.id);
    this.logger.info({ ready, failed: this.records.length - ready.length }, 'plugins started');
  }

  private async setup(record: PluginRecord, timeoutMs: number): Promise<void> {
    const def = record.definition!;
    if (def.setup) {
      const config = this.defaultConfig(record);
      const ctx = pluginContext({ pluginId: record.id, config, logger: this.logger, http: this.httpFor(record.id) });
      const pending = Promise.resolve().then(() => def.setup!(ctx));
      try {
        await this.health.observe(record.id, def.kind, 'setup', () => withTimeout(pending, timeoutMs, `setup did not finish within ${timeoutMs} ms`));
      } catch (err) {
        const timedOut = err instanceof TimeoutError;
        record.status = 'failed';
        record.failure = timedOut
          ? { code: 'HUB_ERR_PLUGIN_START_TIMEOUT', message: `${record.id}: setup did not finish within ${timeoutMs} ms` }
          : { code: 'HUB_ERR_PLUGIN_SETUP_FAILED', message: `${record.id}: setup threw: ${errMessage(err)}` };
        if (timedOut) {
          // If the late setup ever finishes, release what it acquired.
          pending.then(() => def.teardown?.(), () => undefined).catch(() => undefined);
        }
        return;
      }
    }
    record.status = 'ready';
    this.started.push(record);
  }

  private defaultConfig(record: PluginRecord): Record<string, unknown> {
    const config: Record<string, unknown> = {};
    record.schemas?.configWithDefaults?.(config);
    return config;
  }

  /** The plugin's own client (its user agent, its socket pool); plugins see only `request`. */
  /** The plugin's own client behind a one-method facade (made once per plugin: every task's context gets it). */
  private httpFor(pluginId: string): HttpClient {
    let facade = this.httpFacades.get(pluginId);
    if (!facade) {
      const pooled = createHttpClient({
        timeoutMs: this.options.config.pluginHttpTimeoutMs,
        allowAddresses: this.options.config.pluginHttpAllowAddresses,
        userAgent: `switchyard-plugin/${pluginId}`,
      });
      this.httpClients.set(pluginId, pooled);
      const made: HttpClient = { request: (url, options) => pooled.request(url, options) };
      facade = Object.freeze(made);
      this.httpFacades.set(pluginId, facade);
    }
    return facade;
  }

  /** Tears plugins down in reverse start order, each bounded by the start timeout. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.starting?.catch(() => undefined);
      const timeoutMs = this.options.config.pluginStartTimeoutMs;
      for (const record of [...this.started].reverse()) {
        const def = record.definition!;
        try {
          if (def.teardown) await withTimeout(Promise.resolve().then(() => def.teardown!()), timeoutMs, `teardown did not finish within ${timeoutMs} ms`);
        } catch (err) {
          this.logger.warn({ plugin: record.id, err: errMessage(err) }, 'plugin teardown failed');
        }
        record.status = 'stopped';
      }
      for (const client of this.httpClients.values()) client.close();
    })();
    return this.stopping;
  }

  /** Every discovered plugin, in discovery order, including failed ones. */
  list(): readonly PluginRecord[] {
    return this.records;
  }

  /** The plugin that owns `id`, or else the first failed record that declared it. */
  get(id: string): PluginRecord | undefined {
    return this.byId.get(id) ?? this.records.find((r) => r.id === id);
  }

  private requireReady(id: string, kind: 'agent' | 'connector'): PluginRecord {
    const record = this.get(id);
    if (!record) throw new HubError('HUB_ERR_PLUGIN_NOT_FOUND', { message: `No plugin "${id}"`, details: { plugin: id } });
    if (record.kind && record.kind !== kind) throw new HubError('HUB_ERR_PLUGIN_WRONG_KIND', { message: `${id} is ${record.kind === 'agent' ? 'an agent' : 'a connector'}, not ${kind === 'agent' ? 'an agent' : 'a connector'}` });
    if (record.status !== 'ready') {
      throw new HubError('HUB_ERR_PLUGIN_UNAVAILABLE', { message: record.failure?.message ?? `${id} is ${record.status}`, details: { plugin: id, status: record.status, reason: record.failure?.code } });
    }
    return record;
  }

  private validateInput(record: PluginRecord, operation: string, input: unknown, root: string): void {
    assertValid(record.schemas!.inputs.get(operation)!, input, root, `input for ${record.id}.${operation}`);
  }

  private checkOutput(record: PluginRecord, operation: string, output: unknown): void {
    const validate = record.schemas!.outputs.get(operation);
    if (validate && !validate(output)) {
      throw new PluginError('HUB_ERR_PLUGIN_BAD_OUTPUT', `${record.id}.${operation} returned output that does not match its output schema`, { details: fieldProblems(validate.errors, '/output') });
    }
  }

  // ---- AgentCatalog ----

  describeAgent(agentId: string): AgentDescription | undefined {
    const record = this.get(agentId);
    if (!record || record.kind !== 'agent') return undefined;
    const def = record.definition as AgentDefinition | undefined;
    const capabilities: AgentDescription['capabilities'] = {};
    for (const [name, cap] of Object.entries(def?.capabilities ?? {})) capabilities[name] = { input: cap.input, ...(cap.output ? { output: cap.output } : {}) };
    return { id: record.id, status: record.status === 'ready' ? 'ready' : 'failed', capabilities };
  }

  /**
   * Runs one agent task for a tenant. `messaging` comes from the orchestrator;
   * without it ctx.request/ctx.send fail with HUB_ERR_PLUGIN_MESSAGING_UNAVAILABLE.
   * Rejects with the agent's own error (PluginErrors keep their code and retryable flag).
   */
  async runAgentTask(call: { tenantId: string; agentId: string; task: AgentTask; messaging?: AgentMessaging; signal?: AbortSignal }): Promise<unknown> {
    const { tenantId, agentId, task } = call;
    const record = this.requireReady(agentId, 'agent');
    const def = record.definition as AgentDefinition;
    if (!Object.hasOwn(def.capabilities, task.capability)) {
      throw new HubError('HUB_ERR_PLUGIN_UNKNOWN_OPERATION', { message: `${agentId} has no capability "${task.capability}"`, details: { plugin: agentId, capabilities: Object.keys(def.capabilities) } });
    }
    const settings = await this.settings.forCall(tenantId, record);
    this.validateInput(record, task.capability, task.input, '/input');
    const ctx = agentContext({
      pluginId: agentId,
      tenantId,
      config: settings.config,
      logger: this.logger,
      http: this.httpFor(agentId),
      messaging: call.messaging,
      bindings: task.runId ? { runId: task.runId, stage: task.stage } : undefined,
      signal: call.signal,
      connector: (connectorId, action, input, options) => this.runConnectorAction(tenantId, connectorId, action, input, {
        ...options,
        emit: call.messaging ? (e) => call.messaging!.emit(e) : undefined,
        signal: call.signal,
      }),
    });
    return this.health.observe(agentId, 'agent', task.capability, async () => {
      const output = await def.handle(task, ctx);
      this.checkOutput(record, task.capability, output);
      return output;
    });
  }

  // ---- connectors ----

  /** Runs one connector action for a tenant with the tenant's config and decrypted credentials. */
  async runConnectorAction(
    tenantId: string,
    connectorId: string,
    action: string,
    input: unknown,
    options: ConnectorCallOptions & { emit?: ConnectorContext['emit']; inputRoot?: string; signal?: AbortSignal } = {},
  ): Promise<unknown> {
    const record = this.requireReady(connectorId, 'connector');
    const def = record.definition as ConnectorDefinition;
    if (!Object.hasOwn(def.actions, action)) {
      throw new HubError('HUB_ERR_PLUGIN_UNKNOWN_OPERATION', { message: `${connectorId} has no action "${action}"`, details: { plugin: connectorId, actions: Object.keys(def.actions) } });
    }
    const settings = await this.settings.forCall(tenantId, record);
    this.validateInput(record, action, input, options.inputRoot ?? '/input');
    const ctx = this.buildConnectorContext(record, tenantId, settings, options);
    return this.health.observe(connectorId, 'connector', action, async () => {
      const output = await def.actions[action].run(input, ctx);
      this.checkOutput(record, action, output);
      return output;
    });
  }

  /** Runs the connector's cheap credential check; HUB_ERR_PLUGIN_NO_CHECK when it declares none. */
  async checkConnector(tenantId: string, connectorId: string): Promise<void> {
    const record = this.requireReady(connectorId, 'connector');
    const def = record.definition as ConnectorDefinition;
    if (!def.check) throw new HubError('HUB_ERR_PLUGIN_NO_CHECK', { message: `${connectorId} declares no credential check` });
    const settings = await this.settings.forCall(tenantId, record);
    const ctx = this.buildConnectorContext(record, tenantId, settings, {});
    await this.health.observe(connectorId, 'connector', 'check', async () => def.check!(ctx));
  }

  /** The connector's inbound webhook handling, when it has one and is ready. */
  connectorWebhook(connectorId: string): WebhookDefinition | undefined {
    const record = this.get(connectorId);
    if (!record || record.status !== 'ready' || record.kind !== 'connector') return undefined;
    return (record.definition as ConnectorDefinition).webhook;
  }

  /**
   * A connector context with the tenant's config and decrypted credentials,
   * e.g. for webhook verification. Throws like an action call would
   * (not found, unavailable, disabled, not configured).
   */
  async getConnectorContext(tenantId: string, connectorId: string): Promise<ConnectorContext> {
    const record = this.requireReady(connectorId, 'connector');
    const settings = await this.settings.forCall(tenantId, record);
    return this.buildConnectorContext(record, tenantId, settings, {});
  }

  private buildConnectorContext(
    record: PluginRecord,
    tenantId: string,
    settings: { config: Record<string, unknown>; credentials: Record<string, unknown> },
    options: ConnectorCallOptions & { emit?: ConnectorContext['emit']; signal?: AbortSignal },
  ): ConnectorContext {
    return connectorContext({
      pluginId: record.id,
      tenantId,
      config: settings.config,
      credentials: settings.credentials,
      idempotencyKey: options.idempotencyKey,
      logger: this.logger,
      http: this.httpFor(record.id),
      emit: options.emit,
      signal: options.signal,
    });
  }
}
