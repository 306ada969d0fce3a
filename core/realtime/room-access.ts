/**
 * Who may join which room. A socket joins only rooms of its own tenant: the
 * tenant room must be its own, and a run or site room only when storage says
 * that run or site belongs to the socket's tenant. "Belongs to another
 * tenant" and "does not exist" get the same answer, so ids cannot be probed.
 */
import { HubError } from '../errors.js';
import { hasScope, type Scope } from '../auth/scopes.js';
import type { Principal } from '../auth/principal.js';
import type { PublicRoom, RoomKind } from './rooms.js';

/** Storage lookups the join check needs; each answers only within the given tenant. */
export interface RoomOwnership {
  runExists(tenantId: string, runId: string): Promise<boolean>;
  siteExists(tenantId: string, siteId: string): Promise<boolean>;
}

const scopeFor: Record<RoomKind, Scope> = {
  tenant: 'runs:read',
  run: 'runs:read',
  agent: 'runs:read',
  site: 'sites:read',
};

/** Resolves when `principal` may join `room`; throws a HubError otherwise. */
export async function authorizeJoin(principal: Principal, room: PublicRoom, ownership: RoomOwnership): Promise<void> {
  const scope = scopeFor[room.kind];
  if (!hasScope(principal.scopes, scope)) {
    throw new HubError('HUB_ERR_AUTH_SCOPE', { message: `Joining ${room.kind} rooms needs the scope ${scope}`, details: { requiredScope: scope } });
  }
  let allowed: boolean;
  switch (room.kind) {
    case 'tenant':
      allowed = room.id === principal.tenantId.toLowerCase();
      break;
    case 'run':
      allowed = await ownership.runExists(principal.tenantId, room.id);
      break;
    case 'site':
      allowed = await ownership.siteExists(principal.tenantId, room.id);
      break;
    case 'agent':
      // Agent ids are plugin ids shared by all tenants; the internal room is
      // tenant-qualified (rooms.ts), so joining shows only this tenant's messages.
      allowed = true;
      break;
  }
  if (!allowed) throw new HubError('HUB_ERR_REALTIME_ROOM_FORBIDDEN');
}
