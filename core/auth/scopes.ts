/**
 * Scopes an API key or JWT can carry. `*` grants every scope. Later features
 * add their scopes here so the CLI and the API validate against one list.
 */
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
