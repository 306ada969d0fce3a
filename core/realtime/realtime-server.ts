/**
 * The hub's Socket.IO server, attached to the hub's HTTP server at
 * `/socket.io/`. Handshakes are authenticated (handshake-auth.ts), joins are
 * tenant-checked against storage (room-access.ts), and every event published
 * on the runtime's bus in this process is relayed to its rooms. With
 * REDIS_URL the Redis adapter joins the rooms of every hub process, and
 * events that worker processes publish with the Redis emitter
 * (publisher.ts) reach sockets on any hub.
 */
import type http from 'node:http';
import type { KeyObject } from 'node:crypto';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { Counter, Gauge } from 'prom-client';
import type { Runtime } from '../runtime.js';
import type { ApiKeyVerifier } from '../auth/api-keys.js';
import { handshakeAuth, type SocketData } from './handshake-auth.js';
import type { ClientToServerEvents, ServerToClientEvents } from './protocol.js';
import { handleConnection, type RunEventSource } from './socket-handlers.js';
import type { RoomOwnership } from './room-access.js';
import { relayEvent } from './relay.js';
import { realtimeRedis, type RealtimeRedis } from './redis-clients.js';
import { storageOwnership, storageRunEvents } from './storage.js';
import { createLimiter } from '../http/middleware/rate-limit.js';
import { startRevokedKeySweep } from './revoked-key-sweep.js';
import { handshakeRateLimit } from './handshake-limit.js';

export type HubIo = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface RealtimeOptions {
  runtime: Runtime;
  server: http.Server;
  apiKeys: ApiKeyVerifier;
  jwtKey: KeyObject;
  /** Storage lookups; defaults read the runtime's database. */
  ownership?: RoomOwnership;
  events?: RunEventSource;
}

export interface Realtime {
  io: HubIo;
  /** Disconnects this process's sockets and leaves Redis; the HTTP server itself is left to the hub. */
  close(): Promise<void>;
}

/** Client → server packets are tiny join/leave requests; anything large is hostile. */
const maxClientPacketBytes = 16 * 1024;

export function attachRealtime(options: RealtimeOptions): Realtime {
  const { runtime, server } = options;
  const { config, logger, metrics } = runtime;
  const io: HubIo = new Server(server, {
    serveClient: true, // the dashboard loads /socket.io/socket.io.esm.min.js from the hub itself
    maxHttpBufferSize: maxClientPacketBytes,
    connectTimeout: 10_000,
    // No cors option: browsers may connect from the hub's own origin only.
  });

  let redis: RealtimeRedis | undefined;
  if (runtime.redis) {
    redis = realtimeRedis(runtime.redis, logger, true);
    io.adapter(createAdapter(redis.pub, redis.sub!, { key: config.realtimeRedisKey }));
  }

  const relayed = new Counter({ name: 'switchyard_realtime_events_relayed_total', help: 'Bus events relayed to Socket.IO rooms by this hub process', labelNames: ['event'], registers: [metrics] });
  new Gauge({
    name: 'switchyard_realtime_connected_sockets',
    help: 'Socket.IO connections held by this hub process',
    registers: [metrics],
    collect() {
      this.set(io.engine.clientsCount);
    },
  });

  // Handshakes share the per-IP budget's size (RATE_LIMIT_PER_IP) in a counter of their own.
  io.use(handshakeRateLimit(createLimiter({ name: 'socket-handshake', prefix: config.queuePrefix, pointsPerMinute: config.rateLimitPerIp, redis: runtime.redis }), config.trustProxy));
  io.use(handshakeAuth({ apiKeys: options.apiKeys, jwtKey: options.jwtKey }));
  const deps = {
    ownership: options.ownership ?? storageOwnership(runtime.db),
    events: options.events ?? storageRunEvents(runtime.db),
    maxRoomsPerSocket: config.realtimeMaxRoomsPerSocket,
    logger,
  };
  io.on('connection', (socket) => handleConnection(socket, deps));
  const revokedKeys = startRevokedKeySweep(io, runtime.db, logger, config.apiKeyCacheMs);

  const unsubscribe = runtime.bus.subscribe((event) => {
    relayEvent(io, event);
    relayed.inc({ event: event.name });
  });

  let closing: Promise<void> | undefined;
  return {
    io,
    close() {
      closing ??= (async () => {
        unsubscribe();
        revokedKeys.stop();
        io.local.disconnectSockets(true);
        // engine.close() ends polling and websocket transports without closing the HTTP server.
        io.engine.close();
        await Promise.resolve(io.of('/').adapter.close?.()).catch(() => undefined);
        await redis?.close();
      })();
      return closing;
    },
  };
}
