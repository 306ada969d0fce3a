/**
 * `defineAgent` and `defineConnector`: authors write plain objects; the
 * factories fill the kind and defaults. Validation of the manifest happens in
 * the registry (so a broken third-party plugin is reported, not thrown at import).
 */
import type { AgentDefinition, ConnectorDefinition } from './types.js';

export function defineAgent<Config = Record<string, unknown>>(definition: Omit<AgentDefinition<Config>, 'kind'>): AgentDefinition<Config> {
  return { kind: 'agent', ...definition };
}

export function defineConnector<Config = Record<string, unknown>, Credentials = Record<string, unknown>>(
  definition: Omit<ConnectorDefinition<Config, Credentials>, 'kind'>,
): ConnectorDefinition<Config, Credentials> {
  return { kind: 'connector', ...definition };
}
