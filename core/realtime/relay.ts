/**
 * Bus → rooms. One function decides where an event goes (rooms.ts), for the
 * hub's Socket.IO server and for a worker's Redis emitter alike, so both
 * deliver the same event to the same rooms with the same payload.
 */
import type { HubEvent } from '../events.js';
import { roomsForEvent } from './rooms.js';

/** The part of Socket.IO's Server and of the Redis Emitter that the relay uses. */
export interface RoomBroadcaster {
  to(rooms: string[]): { emit(name: string, payload: HubEvent): unknown };
}

/** Sends one event to each of its rooms; a socket in several of them gets it once. */
export function relayEvent(target: RoomBroadcaster, event: HubEvent): void {
  target.to(roomsForEvent(event)).emit(event.name, event);
}
