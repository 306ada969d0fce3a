/**
 * The hub's error catalogue. Every failure that reaches a caller is a HubError
 * with a stable code; the README tables these codes. `expose` decides whether
 * the message may be shown to the caller (4xx) or replaced by a generic one (5xx).
 */

export const errorCatalogue = {
  HUB_ERR_VALIDATION_FAILED: { status: 400, message: 'The request did not match the schema' },
  HUB_ERR_HTTP_MALFORMED_BODY: { status: 400, message: 'The request body could not be parsed' },
  HUB_ERR_AUTH_MISSING: { status: 401, message: 'Credentials are required' },
  HUB_ERR_AUTH_INVALID: { status: 401, message: 'The credentials are invalid or expired' },
  HUB_ERR_AUTH_SCOPE: { status: 403, message: 'The credentials lack a required scope' },
  HUB_ERR_AUTH_FORBIDDEN: { status: 403, message: 'This resource belongs to another tenant' },
  HUB_ERR_NOT_FOUND: { status: 404, message: 'No such resource' },
  HUB_ERR_HTTP_ROUTE_NOT_FOUND: { status: 404, message: 'No such route' },
  HUB_ERR_HTTP_METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed on this route' },
  HUB_ERR_CONFLICT: { status: 409, message: 'The resource already exists or changed' },
  HUB_ERR_HTTP_BODY_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  HUB_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported content type' },
  HUB_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests' },
  HUB_ERR_INTERNAL: { status: 500, message: 'Internal error' },
  HUB_ERR_NOT_IMPLEMENTED: { status: 501, message: 'Not implemented' },
  HUB_ERR_DEPENDENCY_DOWN: { status: 503, message: 'A dependency is unavailable' },
  HUB_ERR_CONFIG_INVALID: { status: 500, message: 'The configuration is invalid' },
  HUB_ERR_PLUGIN_NOT_FOUND: { status: 404, message: 'No such plugin' },
  HUB_ERR_PLUGIN_UNKNOWN_OPERATION: { status: 404, message: 'The plugin has no such capability or action' },
  HUB_ERR_PLUGIN_WRONG_KIND: { status: 400, message: 'This operation does not apply to this kind of plugin' },
  HUB_ERR_PLUGIN_UNAVAILABLE: { status: 409, message: 'The plugin failed to load or start' },
  HUB_ERR_PLUGIN_DISABLED: { status: 409, message: 'The plugin is disabled for this tenant' },
  HUB_ERR_PLUGIN_NOT_CONFIGURED: { status: 409, message: 'The plugin has no credentials for this tenant' },
  HUB_ERR_PLUGIN_NO_CHECK: { status: 501, message: 'The connector has no credential check' },
  HUB_ERR_PLUGIN_MESSAGING_UNAVAILABLE: { status: 409, message: 'Agent messaging exists only inside a pipeline run' },
  HUB_ERR_PLUGIN_FAILED: { status: 502, message: 'The plugin failed' },
  HUB_ERR_PLUGIN_BAD_OUTPUT: { status: 502, message: 'The plugin returned output that does not match its output schema' },
  HUB_ERR_PLUGIN_HTTP_INVALID: { status: 400, message: 'The plugin asked for an invalid URL' },
  HUB_ERR_PLUGIN_HTTP_BLOCKED: { status: 400, message: 'The target resolves to a private, loopback or non-public address' },
  HUB_ERR_PLUGIN_HTTP_TIMEOUT: { status: 504, message: 'The remote service did not answer in time' },
  HUB_ERR_PLUGIN_HTTP_FAILED: { status: 502, message: 'The remote service could not be reached' },
  HUB_ERR_PLUGIN_LOAD_FAILED: { status: 500, message: 'The plugin module could not be loaded' },
  HUB_ERR_PLUGIN_MANIFEST_INVALID: { status: 500, message: 'The plugin manifest is invalid' },
  HUB_ERR_PLUGIN_INCOMPATIBLE: { status: 500, message: 'The plugin does not support this hub\'s plugin API' },
  HUB_ERR_PLUGIN_DUPLICATE_ID: { status: 500, message: 'Another plugin with this id is loaded already' },
  HUB_ERR_PLUGIN_SETUP_FAILED: { status: 500, message: 'The plugin\'s setup threw' },
  HUB_ERR_PLUGIN_START_TIMEOUT: { status: 500, message: 'The plugin\'s setup did not finish in time' },
  HUB_ERR_SECRETS_KEY_UNKNOWN: { status: 500, message: 'A stored secret uses a master key that is not configured' },
  HUB_ERR_SECRETS_UNREADABLE: { status: 500, message: 'A stored secret could not be decrypted' },
  HUB_ERR_PIPELINE_INVALID: { status: 400, message: 'The pipeline definition is invalid' },
  HUB_ERR_PIPELINE_INPUT_INVALID: { status: 400, message: 'The run input does not match the pipeline\'s input schema' },
  HUB_ERR_RUN_NOT_RESUMABLE: { status: 409, message: 'Only a failed or cancelled run can be resumed' },
  HUB_ERR_RUN_FINISHED: { status: 409, message: 'The run has finished already' },
  HUB_ERR_IDEMPOTENCY_MISMATCH: { status: 409, message: 'This Idempotency-Key was used for another request' },
  HUB_ERR_STAGE_TIMEOUT: { status: 504, message: 'The stage did not finish within its timeoutMs' },
  HUB_ERR_AGENT_TIMEOUT: { status: 504, message: 'An agent did not reply in time' },
  HUB_ERR_AGENT_UNAVAILABLE: { status: 503, message: 'The agent is unknown or not ready' },
  HUB_ERR_AGENT_FAILED: { status: 502, message: 'The agent failed' },
  HUB_ERR_AGENT_REQUEST_INVALID: { status: 400, message: 'The agent request is malformed' },
  HUB_ERR_REALTIME_ROOM_INVALID: { status: 400, message: 'The room name or join request is malformed' },
  HUB_ERR_REALTIME_ROOM_FORBIDDEN: { status: 403, message: 'This room does not exist or belongs to another tenant' },
  HUB_ERR_REALTIME_TOO_MANY_ROOMS: { status: 429, message: 'This socket has joined too many rooms' },
  HUB_ERR_WEBHOOK_UNKNOWN_SOURCE: { status: 404, message: 'No webhook source with this tenant and connector' },
  HUB_ERR_WEBHOOK_MALFORMED: { status: 400, message: 'The webhook request could not be parsed' },
  HUB_ERR_WEBHOOK_SIGNATURE_MISSING: { status: 401, message: 'The webhook request carries no signature' },
  HUB_ERR_WEBHOOK_SIGNATURE_INVALID: { status: 403, message: 'The webhook signature is invalid' },
  HUB_ERR_WEBHOOK_REPLAY_REJECTED: { status: 409, message: 'The stored request no longer verifies with the current credentials' },
  HUB_ERR_WEBHOOK_TARGET_FORBIDDEN: { status: 400, message: 'The target URL points to a loopback or private address' },
} as const;

export type ErrorCode = keyof typeof errorCatalogue;

export interface HubErrorOptions {
  message?: string;
  details?: unknown;
  cause?: unknown;
  /** Extra response headers, e.g. Retry-After for 429. */
  headers?: Record<string, string>;
  /** Override the default: 4xx messages are exposed, 5xx are not. */
  expose?: boolean;
}

export class HubError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;
  readonly expose: boolean;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, options: HubErrorOptions = {}) {
    const entry = errorCatalogue[code];
    super(options.message ?? entry.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HubError';
    this.code = code;
    this.status = entry.status;
    this.details = options.details;
    this.headers = options.headers ?? {};
    this.expose = options.expose ?? entry.status < 500;
  }
}

export function isHubError(err: unknown): err is HubError {
  return err instanceof HubError;
}

/** Body of every error response: `{ error: { code, message, details } }`. */
export function errorBody(err: HubError): { error: { code: string; message: string; details?: unknown } } {
  const message = err.expose ? err.message : errorCatalogue[err.code].message;
  const body: { code: string; message: string; details?: unknown } = { code: err.code, message };
  if (err.expose && err.details !== undefined) body.details = err.details;
  return { error: body };
}
