/**
 * Builds the narrow context a plugin receives (STYLE.md pattern 4): its own
 * config and credentials, a child logger, emit, ctx.http and, for agents,
 * messaging and connector calls. Nothing else of the hub is reachable from it:
 * no Koa app, no knex, no Socket.IO, no registry.
 */
import type { Logger } from '../logger.js';
import { MessagingUnavailableError } from '../sdk/errors.js';
import type {
  AgentContext,
  AgentEvent,
  ConnectorCallOptions,
  ConnectorContext,
  HttpClient,
  PluginContext,
  PluginLogger,
} from '../sdk/types.js';
import type { AgentMessaging } from '../pipelines/agent-catalog.js';

export interface BaseContextInput {
  pluginId: string;
  tenantId?: string;
  config: Record<string, unknown>;
  logger: Logger;
  http: HttpClient;
  /** Where emit() goes; without one, progress messages are logged at debug. */
  emit?: (event: AgentEvent) => void;
  bindings?: Record<string, unknown>;
}

/**
 * Only the four levels of the SDK contract, so a plugin cannot reconfigure the
 * hub's logger. The pino child is made on first use: a context is built for
 * every agent task, most tasks never log, and a child with redaction costs
 * more than a no-op task. Methods live on the prototype (no closures per task);
 * like pino's own, they are called on the logger (`ctx.logger.info(...)`).
 */
class LazyPluginLogger implements PluginLogger {
  // Private fields (#), not TypeScript's `private`: plugin code must not reach the hub's logger.
  #made?: Logger;
  readonly #parent: Logger;
  readonly #bindings: Record<string, unknown>;

  constructor(parent: Logger, bindings: Record<string, unknown>) {
    this.#parent = parent;
    this.#bindings = bindings;
  }

  #child(): Logger {
    return (this.#made ??= this.#parent.child(this.#bindings));
  }

  debug(obj: object | string, msg?: string): void {
    this.#child().debug(obj as object, msg);
  }

  info(obj: object | string, msg?: string): void {
    this.#child().info(obj as object, msg);
  }

  warn(obj: object | string, msg?: string): void {
    this.#child().warn(obj as object, msg);
  }

  error(obj: object | string, msg?: string): void {
    this.#child().error(obj as object, msg);
  }
}

function pluginLogger(input: BaseContextInput): LazyPluginLogger {
  return new LazyPluginLogger(input.logger, { plugin: input.pluginId, ...(input.tenantId ? { tenant: input.tenantId } : {}), ...input.bindings });
}

/** Without a destination, progress messages are logged at debug. */
function emitTo(logger: PluginLogger, emit: BaseContextInput['emit']): (event: AgentEvent) => void {
  return emit ? (event) => emit(event) : (event) => logger.debug({ event: event.type, message: event.message }, 'plugin progress');
}

export function pluginContext(input: BaseContextInput): PluginContext {
  const logger = pluginLogger(input);
  return { pluginId: input.pluginId, tenantId: input.tenantId, config: input.config, logger, http: input.http, emit: emitTo(logger, input.emit) };
}

/**
 * ctx.signal's getter: the caller's signal, or for a call nothing will abort
 * (an API call to a connector, a webhook verification) one made on first
 * read. Made lazily because most calls never read it and an AbortController
 * costs a few microseconds on the webhook path; one per call, not a shared
 * one, so listeners a plugin never removes go away with the call.
 */
export function signalGetter(given: AbortSignal | undefined): () => AbortSignal {
  let signal = given;
  return () => (signal ??= new AbortController().signal);
}

export interface AgentContextInput extends BaseContextInput {
  tenantId: string;
  messaging?: AgentMessaging;
  signal?: AbortSignal;
  connector: (connectorId: string, action: string, input: unknown, options?: ConnectorCallOptions) => Promise<unknown>;
}

/** Built for every agent task, so built directly (no intermediate objects). */
export function agentContext(input: AgentContextInput): AgentContext {
  const messaging = input.messaging;
  const logger = pluginLogger(input);
  const signal = signalGetter(input.signal);
  return Object.freeze({
    pluginId: input.pluginId,
    tenantId: input.tenantId,
    config: input.config,
    logger,
    http: input.http,
    emit: messaging ? (event: AgentEvent) => messaging.emit(event) : emitTo(logger, input.emit),
    request: async <T>(agentId: string, task: Parameters<AgentContext['request']>[1], options: Parameters<AgentContext['request']>[2]) => {
      if (!messaging) throw new MessagingUnavailableError(`ctx.request('${agentId}')`);
      return (await messaging.request(agentId, task, options)) as T;
    },
    send: async (agentId: string, message: AgentEvent) => {
      if (!messaging) throw new MessagingUnavailableError(`ctx.send('${agentId}')`);
      await messaging.send(agentId, message);
    },
    connector: async <T>(connectorId: string, action: string, actionInput: unknown, options?: ConnectorCallOptions) =>
      (await input.connector(connectorId, action, actionInput, options)) as T,
    get signal() {
      return signal();
    },
  }) as AgentContext;
}

export interface ConnectorContextInput extends BaseContextInput {
  tenantId: string;
  credentials: Record<string, unknown>;
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export function connectorContext(input: ConnectorContextInput): ConnectorContext {
  const signal = signalGetter(input.signal);
  return Object.freeze({
    ...pluginContext(input),
    credentials: Object.freeze({ ...input.credentials }),
    idempotencyKey: input.idempotencyKey,
    get signal() {
      return signal();
    },
  });
}
