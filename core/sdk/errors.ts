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
