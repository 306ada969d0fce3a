/**
 * Ends live sockets whose API key has been revoked. A key is checked once,
 * at the handshake; without this sweep a socket opened before the
 * revocation would keep receiving events for as long as it stays connected.
 * Every API_KEY_CACHE_MS (at least once a second) the hub asks storage which
 * of its connected sockets' keys are still active, in one query per 500
 * distinct keys, and disconnects the others: the same bound a revoked key
 * has on the REST API, whichever hub process revoked it.
 */
import type { Server, Socket } from 'socket.io';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import { ApiKeysRepo } from '../db/repos/api-keys-repo.js';
import type { SocketData } from './handshake-auth.js';

const KEY_SUBJECT = 'key:';

export interface RevokedKeySweep {
  stop(): void;
}

export function startRevokedKeySweep(io: Server, db: Db, logger: Logger, intervalMs: number): RevokedKeySweep {
  const keys = new ApiKeysRepo(db);
  let running: Promise<number> | undefined;

  async function pass(): Promise<number> {
    const byKey = new Map<string, Socket[]>();
    for (const socket of io.of('/').sockets.values()) {
      const { principal } = socket.data as SocketData;
      if (principal?.kind !== 'api_key' || !principal.subject.startsWith(KEY_SUBJECT)) continue;
      const id = principal.subject.slice(KEY_SUBJECT.length);
      const sockets = byKey.get(id);
      if (sockets) sockets.push(socket);
      else byKey.set(id, [socket]);
    }
    if (byKey.size === 0) return 0;
    const active = await keys.activeIds([...byKey.keys()]);
    let ended = 0;
    for (const [id, sockets] of byKey) {
      if (active.has(id)) continue;
      for (const socket of sockets) {
        socket.emit('error', { code: 'HUB_ERR_AUTH_INVALID', message: 'The API key has been revoked' });
        socket.disconnect(true);
        ended += 1;
      }
    }
    if (ended > 0) logger.info({ sockets: ended }, 'realtime: disconnected sockets of revoked API keys');
    return ended;
  }

  const sweep = () => {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    // A storage hiccup only delays the sweep to the next interval.
    sweep().catch((err: Error) => logger.warn({ err: err.message }, 'realtime: revoked-key sweep failed'));
  }, Math.max(1000, intervalMs));
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
