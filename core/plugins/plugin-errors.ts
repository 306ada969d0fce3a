/**
 * Turns what a plugin throws into a HubError for HTTP callers. PluginErrors
 * carry deliberate messages, so they are shown; their code is kept when the
 * hub's catalogue knows it (e.g. HUB_ERR_NOT_IMPLEMENTED → 501) and otherwise
 * reported as HUB_ERR_PLUGIN_FAILED with the plugin's own code in details.
 * Anything else is a bug in the plugin: 502 with a generic message.
 */
import { HubError, errorCatalogue, isHubError, type ErrorCode } from '../errors.js';

interface PluginErrorLike {
  name: string;
  code: string;
  message: string;
  options?: { retryable?: boolean; details?: unknown };
}

/** Duck-typed so a plugin compiled against another copy of the SDK is still understood. */
function isPluginError(err: unknown): err is PluginErrorLike {
  const e = err as Partial<PluginErrorLike> | null;
  return !!e && typeof e === 'object' && typeof e.code === 'string' && typeof e.message === 'string' && e.name !== 'HubError' && 'options' in e;
}

export function pluginErrorToHub(pluginId: string, err: unknown): HubError {
  if (isHubError(err)) return err;
  if (isPluginError(err)) {
    const known = err.code in errorCatalogue ? (err.code as ErrorCode) : undefined;
    return new HubError(known ?? 'HUB_ERR_PLUGIN_FAILED', {
      message: err.message.startsWith(pluginId) ? err.message : `${pluginId}: ${err.message}`,
      details: known ? err.options?.details : { pluginCode: err.code, retryable: err.options?.retryable ?? false, ...(err.options?.details !== undefined ? { details: err.options.details } : {}) },
      cause: err,
      expose: true,
    });
  }
  return new HubError('HUB_ERR_PLUGIN_FAILED', { message: `${pluginId} failed`, cause: err, expose: true });
}
