/**
 * What one connected socket may do: join and leave rooms of its own tenant,
 * with replay of a run's stored events on join. Requests from one socket are
 * handled one at a time, in order, so a replay cannot interleave with the
 * next join of the same socket and a flood of joins queues instead of
 * fanning out into storage.
 */
import type { Socket } from 'socket.io';
import { HubError, isHubError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { HubEvent } from '../events.js';
import type { SocketData } from './handshake-auth.js';
import type { Ack, ClientToServerEvents, ErrorPayload, ServerToClientEvents } from './protocol.js';
import { replayPageSize } from './protocol.js';
import { internalRoomsFor, parseRoom, publicRoomName, type PublicRoom } from './rooms.js';
import { authorizeJoin, type RoomOwnership } from './room-access.js';

export type HubSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** Stored run events, oldest first, with seq > afterSeq; at most `limit`. */
/** Reads one run's stored events after a seq, page by page. */
export type RunEventPages = (afterSeq: number, limit: number) => Promise<HubEvent[]>;

export interface RunEventSource {
  /** A page reader for one replay; the run itself is looked up at most once per reader. */
  replayPages(tenantId: string, runId: string): RunEventPages;
}

export interface SocketHandlerDeps {
  ownership: RoomOwnership;
  events: RunEventSource;
  maxRoomsPerSocket: number;
  logger: Logger;
}

/** Largest replay one join may ask for; the client joins again with a later afterSeq for more. */
const maxReplayPerJoin = 10_000;

/** Join/leave requests one socket may make per window; each may cost a storage read. */
const requestsPerWindow = 120;
const requestWindowMs = 10_000;

function parseRequest(raw: unknown): { room: PublicRoom; afterSeq?: number } {
  const request = typeof raw === 'string' ? { room: raw } : raw;
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw new HubError('HUB_ERR_REALTIME_ROOM_INVALID', { message: 'Send { room, afterSeq? }' });
  }
  const { room: name, afterSeq, ...rest } = request as Record<string, unknown>;
  if (Object.keys(rest).length > 0) {
    throw new HubError('HUB_ERR_REALTIME_ROOM_INVALID', { message: `Unknown field(s): ${Object.keys(rest).slice(0, 5).join(', ')}` });
  }
  const room = parseRoom(name);
  if (!room) throw new HubError('HUB_ERR_REALTIME_ROOM_INVALID', { message: 'room must be tenant:<uuid>, run:<uuid>, site:<uuid> or agent:<agent-id>' });
  if (afterSeq !== undefined && (!Number.isSafeInteger(afterSeq) || (afterSeq as number) < 0)) {
    throw new HubError('HUB_ERR_REALTIME_ROOM_INVALID', { message: 'afterSeq must be a non-negative integer' });
  }
  if (afterSeq !== undefined && room.kind !== 'run') {
    throw new HubError('HUB_ERR_REALTIME_ROOM_INVALID', { message: 'afterSeq applies to run rooms only' });
  }
  return { room, afterSeq: afterSeq as number | undefined };
}

function toErrorPayload(err: unknown, request: string, room: unknown): ErrorPayload {
  const hubError = isHubError(err) ? err : new HubError('HUB_ERR_INTERNAL', { cause: err });
  const payload: ErrorPayload = { code: hubError.code, message: hubError.expose ? hubError.message : 'Internal error', request };
  if (typeof room === 'string' && room.length <= 140) payload.room = room;
  return payload;
}

/** Sends the stored events of a run after `afterSeq`, page by page; returns how many and the last seq. */
async function replay(socket: HubSocket, deps: SocketHandlerDeps, runId: string, afterSeq: number): Promise<{ replayed: number; lastSeq: number }> {
  const tenantId = socket.data.principal.tenantId;
  let cursor = afterSeq;
  let replayed = 0;
  const pages = deps.events.replayPages(tenantId, runId);
  while (replayed < maxReplayPerJoin && socket.connected) {
    const page = await pages(cursor, Math.min(replayPageSize, maxReplayPerJoin - replayed));
    for (const event of page) {
      socket.emit(event.name, event);
      cursor = event.seq ?? cursor;
    }
    replayed += page.length;
    if (page.length < replayPageSize) break;
  }
  return { replayed, lastSeq: cursor };
}

/** Wires join/leave handling and credential expiry onto a newly connected socket. */
export function handleConnection(socket: HubSocket, deps: SocketHandlerDeps): void {
  const { principal, expiresAt } = socket.data;
  /** Public names of the rooms joined: one public room is several Socket.IO rooms (one per event scope). */
  const joined = new Set<string>();
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>) => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  let windowStart = Date.now();
  let requestsInWindow = 0;
  /** Throws once this socket exceeds its request budget for the current window. */
  const spend = () => {
    const t = Date.now();
    if (t - windowStart >= requestWindowMs) {
      windowStart = t;
      requestsInWindow = 0;
    }
    if (++requestsInWindow > requestsPerWindow) {
      const retryAfterSeconds = Math.max(1, Math.ceil((windowStart + requestWindowMs - t) / 1000));
      throw new HubError('HUB_ERR_RATE_LIMITED', { message: `Too many room requests; retry in ${retryAfterSeconds}s`, details: { retryAfterSeconds } });
    }
  };
  const respond = (ack: unknown, result: Ack) => {
    if (typeof ack === 'function') (ack as (r: Ack) => void)(result);
  };
  const fail = (ack: unknown, err: unknown, request: string, room: unknown) => {
    const error = toErrorPayload(err, request, room);
    if (error.code === 'HUB_ERR_INTERNAL') deps.logger.error({ err, request }, 'realtime request failed');
    socket.emit('error', error);
    respond(ack, { ok: false, error });
  };

  socket.on('join', (raw, ack) => {
    const rawRoom = (raw as { room?: unknown } | undefined)?.room ?? raw;
    try {
      spend();
    } catch (err) {
      fail(ack, err, 'join', rawRoom);
      return;
    }
    void serially(async () => {
      try {
        const { room, afterSeq } = parseRequest(raw);
        const name = publicRoomName(room);
        if (!joined.has(name) && joined.size >= deps.maxRoomsPerSocket) {
          throw new HubError('HUB_ERR_REALTIME_TOO_MANY_ROOMS', { details: { limit: deps.maxRoomsPerSocket } });
        }
        await authorizeJoin(principal, room, deps.ownership);
        if (!socket.connected) return;
        // Join before reading storage: an event stored after the read is then delivered live.
        await socket.join(internalRoomsFor(principal.tenantId, room, principal.scopes));
        joined.add(name);
        if (room.kind === 'run' && afterSeq !== undefined) {
          const { replayed, lastSeq } = await replay(socket, deps, room.id, afterSeq);
          respond(ack, { ok: true, room: name, replayed, lastSeq });
        } else {
          respond(ack, { ok: true, room: name });
        }
      } catch (err) {
        fail(ack, err, 'join', rawRoom);
      }
    });
  });

  socket.on('leave', (raw, ack) => {
    const rawRoom = (raw as { room?: unknown } | undefined)?.room ?? raw;
    try {
      spend();
    } catch (err) {
      fail(ack, err, 'leave', rawRoom);
      return;
    }
    void serially(async () => {
      try {
        const { room } = parseRequest(typeof raw === 'object' && raw !== null ? { room: (raw as { room?: unknown }).room } : raw);
        for (const target of internalRoomsFor(principal.tenantId, room, principal.scopes)) await socket.leave(target);
        joined.delete(publicRoomName(room));
        respond(ack, { ok: true, room: publicRoomName(room) });
      } catch (err) {
        fail(ack, err, 'leave', rawRoom);
      }
    });
  });

  // A credential without an expiry (an API key, a JWT without `exp`) gets no timer.
  if (expiresAt !== undefined && Number.isFinite(expiresAt)) {
    // JWT_TTL_SECONDS is at most 7 days, well inside setTimeout's ~24.8-day range.
    const delay = Math.min(Math.max(expiresAt - Date.now(), 0), 2_147_483_647);
    const timer = setTimeout(() => {
      socket.emit('error', { code: 'HUB_ERR_AUTH_INVALID', message: 'The token has expired' });
      socket.disconnect(true);
    }, delay);
    timer.unref();
    socket.once('disconnect', () => clearTimeout(timer));
  }
}
