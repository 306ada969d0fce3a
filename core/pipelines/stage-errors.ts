/**
 * What a stage records when its agent fails: a stable code, a message that is
 * safe to show the run's owner, and whether a retry may help. PluginErrors
 * keep their code and retryable flag (duck-typed, like core/plugins does, so
 * a plugin built against another copy of the SDK is still understood).
 */
import { errorCatalogue, isHubError } from '../errors.js';
import type { StageError } from '../db/repos/run-stages-repo.js';

interface PluginErrorLike {
  code: string;
  message: string;
  options?: { retryable?: boolean };
}

function isPluginErrorLike(err: unknown): err is PluginErrorLike {
  const e = err as Partial<PluginErrorLike> | null;
  return !!e && typeof e === 'object' && typeof e.code === 'string' && typeof e.message === 'string' && 'options' in e;
}

/** Hub errors a retry cannot fix: the input or the setup is wrong. */
const permanent = new Set<string>(['HUB_ERR_VALIDATION_FAILED', 'HUB_ERR_PLUGIN_NOT_FOUND', 'HUB_ERR_PLUGIN_UNKNOWN_OPERATION', 'HUB_ERR_PLUGIN_WRONG_KIND', 'HUB_ERR_PLUGIN_DISABLED', 'HUB_ERR_PLUGIN_NOT_CONFIGURED', 'HUB_ERR_AGENT_REQUEST_INVALID', 'HUB_ERR_NOT_IMPLEMENTED']);

export function toStageError(err: unknown): StageError {
  if (isHubError(err)) {
    const message = err.expose ? err.message : errorCatalogue[err.code].message;
    return { code: err.code, message, retryable: !permanent.has(err.code) };
  }
  if (isPluginErrorLike(err)) return { code: err.code, message: err.message, retryable: err.options?.retryable ?? !permanent.has(err.code) };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'HUB_ERR_AGENT_FAILED', message: message.slice(0, 2000), retryable: true };
}
