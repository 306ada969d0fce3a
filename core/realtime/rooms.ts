/**
 * Room names. Clients speak the public names from DESIGN.md (`tenant:<id>`,
 * `run:<id>`, `agent:<id>`, `site:<id>`); the Socket.IO room actually joined
 * is always qualified by the socket's tenant, so an id that is not globally
 * unique (agent ids are plugin ids, shared by every tenant) can never leak
 * one tenant's events into another's room, even if a join check had a bug.
 */
import type { HubEvent } from '../events.js';

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

/** The Socket.IO room for a public room of a tenant: `t:<tenant>:<kind>:<id>`. */
export function internalRoom(tenantId: string, room: PublicRoom): string {
  return `t:${tenantId}:${room.kind}:${room.id}`;
}

/** Every internal room an event goes to: its tenant, and its run, agent and site when it has them. */
export function roomsForEvent(event: HubEvent): string[] {
  const t = event.tenantId;
  const rooms = [internalRoom(t, { kind: 'tenant', id: t })];
  if (event.runId) rooms.push(internalRoom(t, { kind: 'run', id: event.runId }));
  if (event.agentId) rooms.push(internalRoom(t, { kind: 'agent', id: event.agentId }));
  if (event.siteId) rooms.push(internalRoom(t, { kind: 'site', id: event.siteId }));
  return rooms;
}
