/**
 * Errors a plugin may throw with a meaning the hub understands. Anything else
 * a plugin throws is recorded as a plugin failure with its message.
 */
export class PluginError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly options: { retryable?: boolean; details?: unknown; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PluginError';
  }
}

/** The capability or action is declared but its behaviour is not built yet. */
export class NotImplementedError extends PluginError {
  constructor(what: string) {
    super('HUB_ERR_NOT_IMPLEMENTED', `${what} is not implemented yet`, { retryable: false });
    this.name = 'NotImplementedError';
  }
}

/** A request to another agent got no reply in time. */
export class AgentTimeoutError extends PluginError {
  constructor(agentId: string, timeoutMs: number) {
    super('HUB_ERR_AGENT_TIMEOUT', `agent ${agentId} did not reply within ${timeoutMs} ms`, { retryable: true });
    this.name = 'AgentTimeoutError';
  }
}

/** request/send to other agents outside a pipeline run (no orchestrator to carry the message). */
export class MessagingUnavailableError extends PluginError {
  constructor(what: string) {
    super('HUB_ERR_PLUGIN_MESSAGING_UNAVAILABLE', `${what} is not available here: agent messaging exists only inside a pipeline run`, { retryable: false });
    this.name = 'MessagingUnavailableError';
  }
}

/**
 * A failure of ctx.http: the target was refused (HUB_ERR_PLUGIN_HTTP_BLOCKED),
 * did not answer in time (HUB_ERR_PLUGIN_HTTP_TIMEOUT) or the connection
 * failed after the retries (HUB_ERR_PLUGIN_HTTP_FAILED).
 */
export class PluginHttpError extends PluginError {
  constructor(code: 'HUB_ERR_PLUGIN_HTTP_BLOCKED' | 'HUB_ERR_PLUGIN_HTTP_TIMEOUT' | 'HUB_ERR_PLUGIN_HTTP_FAILED' | 'HUB_ERR_PLUGIN_HTTP_INVALID', message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'PluginHttpError';
  }
}
