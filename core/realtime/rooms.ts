/**
 * Room names. Clients speak the public names from DESIGN.md (`tenant:<id>`,
 * `run:<id>`, `agent:<id>`, `site:<id>`); the Socket.IO room actually joined
 * is always qualified by the socket's tenant, so an id that is not globally
 * unique (agent ids are plugin ids, shared by every tenant) can never leak
 * one tenant's events into another's room, even if a join check had a bug.
 *
 * Each room also exists once per read scope an event can need (runs, inbox
 * events, sales): an event goes to the variant of its own scope, and a socket
 * joins only the variants its credential holds. A `runs:read` dashboard in
 * the tenant room sees runs but not the sales ledger, as on the REST API.
 */
import type { HubEvent } from '../events.js';
import { eventReadScope, eventReadScopes, hasScope, type EventReadScope } from '../auth/scopes.js';

export type RoomKind = 'tenant' | 'run' | 'agent' | 'site';

export interface PublicRoom {
  kind: RoomKind;
  id: string;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const agentId = /^[a-z0-9][a-z0-9._-]{0,99}$/i;

/** Parses a public room name; undefined when it is not one of ours or its id is malformed. */
export function parseRoom(name: unknown): PublicRoom | undefined {
  if (typeof name !== 'string' || name.length > 140) return undefined;
  const colon = name.indexOf(':');
  if (colon < 0) return undefined;
  const kind = name.slice(0, colon);
  const id = name.slice(colon + 1);
  switch (kind) {
    case 'tenant':
    case 'run':
    case 'site':
      return uuid.test(id) ? { kind, id: id.toLowerCase() } : undefined;
    case 'agent':
      return agentId.test(id) ? { kind, id } : undefined;
    default:
      return undefined;
  }
}

export function publicRoomName(room: PublicRoom): string {
  return `${room.kind}:${room.id}`;
}

/** The Socket.IO room for a public room of a tenant and one event scope: `t:<tenant>:<kind>:<id>#<scope>`. */
export function internalRoom(tenantId: string, room: PublicRoom, scope: EventReadScope): string {
  return `t:${tenantId}:${room.kind}:${room.id}#${scope}`;
}

/** The internal rooms a socket whose credential holds `scopes` joins for one public room. */
export function internalRoomsFor(tenantId: string, room: PublicRoom, scopes: ReadonlySet<string>): string[] {
  return eventReadScopes.filter((scope) => hasScope(scopes, scope)).map((scope) => internalRoom(tenantId, room, scope));
}

/** Every internal room an event goes to: its tenant, and its run, agent and site when it has them, in its scope. */
export function roomsForEvent(event: HubEvent): string[] {
  const t = event.tenantId;
  const scope = eventReadScope(event.name);
  const rooms = [internalRoom(t, { kind: 'tenant', id: t }, scope)];
  if (event.runId) rooms.push(internalRoom(t, { kind: 'run', id: event.runId }, scope));
  if (event.agentId) rooms.push(internalRoom(t, { kind: 'agent', id: event.agentId }, scope));
  if (event.siteId) rooms.push(internalRoom(t, { kind: 'site', id: event.siteId }, scope));
  return rooms;
}
