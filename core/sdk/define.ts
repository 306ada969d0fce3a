/**
 * `defineAgent` and `defineConnector`: authors write plain objects; the
 * factories fill the kind and defaults. Validation of the manifest happens in
 * the registry (so a broken third-party plugin is reported, not thrown at import).
 */
import type { ActionDefinition, AgentDefinition, ConnectorDefinition } from './types.js';

export function defineAgent<Config = Record<string, unknown>>(definition: Omit<AgentDefinition<Config>, 'kind'>): AgentDefinition<Config> {
  return { kind: 'agent', ...definition };
}

export function defineConnector<Config = Record<string, unknown>, Credentials = Record<string, unknown>>(
  definition: Omit<ConnectorDefinition<Config, Credentials>, 'kind'>,
): ConnectorDefinition<Config, Credentials> {
  return { kind: 'connector', ...definition };
}

/**
 * One connector action, typed by its input: `defineAction<{ zone: string }>({ description, input, run })`.
 * The input schema is what the hub validates against before `run` is called.
 */
export function defineAction<Input = any, Output = unknown, Config = any, Credentials = any>(
  definition: ActionDefinition<Input, Output, Config, Credentials>,
): ActionDefinition<Input, Output, Config, Credentials> {
  return definition;
}
