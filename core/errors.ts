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
