/** What the registry knows about one discovered plugin, loaded or not. */
import type { ErrorCode } from '../errors.js';
import type { PluginDefinition } from '../sdk/types.js';
import type { PluginSource } from './discovery.js';
import type { ManifestProblem, PluginSchemas } from './manifest.js';

export type PluginStatus = 'loading' | 'ready' | 'failed' | 'stopped';

export interface PluginFailure {
  code: ErrorCode;
  /** Names the plugin and says what is wrong, e.g. "awin: setup did not finish within 10000 ms". */
  message: string;
  /** Field paths for manifest problems. */
  details?: ManifestProblem[];
}

export interface PluginRecord {
  /** The declared id, or the origin when the module declared none. */
  id: string;
  kind?: 'agent' | 'connector';
  version?: string;
  hub?: string;
  description?: string;
  source: PluginSource;
  origin: string;
  status: PluginStatus;
  failure?: PluginFailure;
  definition?: PluginDefinition;
  schemas?: PluginSchemas;
}
