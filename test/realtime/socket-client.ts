/**
 * Test helpers around socket.io-client: connect with a token, join rooms,
 * and collect events in arrival order.
 */
import { io, type Socket } from 'socket.io-client';
import type { HubEvent } from '../../core/events.js';
import { hubEventNames } from '../../core/events.js';

export interface ConnectError extends Error {
  data?: { code: string; message: string };
}

export interface Ack {
  ok: boolean;
  room?: string;
  replayed?: number;
  lastSeq?: number;
  error?: { code: string; message: string; room?: string };
}

export interface TestSocket {
  socket: Socket;
  /** Every hub event received, in arrival order. */
  events: HubEvent[];
  /** Every `error` event received. */
  errors: Array<{ code: string; message: string; room?: string; request?: string }>;
  join(room: string, afterSeq?: number): Promise<Ack>;
  emitRaw(event: string, ...args: unknown[]): Promise<Ack>;
  /** Resolves once `predicate` holds for the received events. */
  waitFor(predicate: (events: HubEvent[]) => boolean, timeoutMs?: number, label?: string): Promise<void>;
  close(): void;
}

/** Connects and resolves once connected; rejects with the connect_error. */
export function connectSocket(url: string, token: string | undefined, options: { reconnection?: boolean; reconnectionDelay?: number } = {}): Promise<TestSocket> {
  const socket = io(url, {
    auth: token === undefined ? {} : { token },
    transports: ['websocket'],
    reconnection: options.reconnection ?? false,
    reconnectionDelay: options.reconnectionDelay ?? 1000,
    reconnectionDelayMax: Math.max(options.reconnectionDelay ?? 1000, 5000),
    forceNew: true,
  });
  const events: HubEvent[] = [];
  const errors: TestSocket['errors'] = [];
  const waiters = new Set<() => void>();
  for (const name of hubEventNames) {
    socket.on(name, (event: HubEvent) => {
      events.push(event);
      for (const w of waiters) w();
    });
  }
  socket.on('error', (e: TestSocket['errors'][number]) => errors.push(e));
  const client: TestSocket = {
    socket,
    events,
    errors,
    join: (room, afterSeq) => socket.timeout(5000).emitWithAck('join', afterSeq === undefined ? { room } : { room, afterSeq }),
    emitRaw: (event, ...args) => socket.timeout(5000).emitWithAck(event, ...args),
    waitFor(predicate, timeoutMs = 10_000, label = 'events') {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${label}; got ${JSON.stringify(events.map((e) => [e.name, e.seq]))}`));
        }, timeoutMs);
        const check = () => {
          if (!predicate(events)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      });
    },
    close: () => void socket.disconnect(),
  };
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(client));
    socket.once('connect_error', (err: ConnectError) => {
      socket.disconnect();
      reject(err);
    });
  });
}

/** The connect_error a handshake fails with (throws if it connects). */
export async function refusedWith(url: string, token: string | undefined): Promise<ConnectError> {
  try {
    const s = await connectSocket(url, token);
    s.close();
  } catch (err) {
    return err as ConnectError;
  }
  throw new Error('the handshake was accepted');
}

/** Lets in-flight packets arrive before asserting that something did NOT happen. */
export async function settle(client: TestSocket): Promise<void> {
  // A round trip through the same connection: anything sent before the ack is received first.
  await client.emitRaw('leave', { room: 'tenant:00000000-0000-4000-8000-000000000000' });
}
