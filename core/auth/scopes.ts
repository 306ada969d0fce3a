/**
 * Scopes an API key or JWT can carry. `*` grants every scope. Later features
 * add their scopes here so the CLI and the API validate against one list.
 */
import type { HubEventName } from '../events.js';

export const scopes = [
  'sites:read',
  'sites:write',
  'keys:read',
  'keys:write',
  'plugins:read',
  'plugins:write',
  'pipelines:read',
  'pipelines:write',
  'runs:read',
  'runs:write',
  'events:read',
  'events:write',
  'sales:read',
  'subscriptions:read',
  'subscriptions:write',
] as const;

export type Scope = (typeof scopes)[number];

export const scopeSchema = { type: 'string', enum: ['*', ...scopes] } as const;

export function isKnownScope(value: string): boolean {
  return value === '*' || (scopes as readonly string[]).includes(value);
}

export function hasScope(granted: ReadonlySet<string>, needed: Scope): boolean {
  return granted.has('*') || granted.has(needed);
}

/** The scopes that decide who may receive a hub event (Socket.IO rooms, outbound subscriptions). */
export const eventReadScopes = ['runs:read', 'events:read', 'sales:read'] as const satisfies readonly Scope[];
export type EventReadScope = (typeof eventReadScopes)[number];

/** The scope needed to receive an event: the one the REST API asks for the same resource. */
export function eventReadScope(name: HubEventName): EventReadScope {
  if (name === 'sale.recorded') return 'sales:read';
  if (name === 'webhook.received') return 'events:read';
  return 'runs:read';
}
