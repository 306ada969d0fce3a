/**
 * Redis connections for realtime. The runtime's shared client refuses
 * commands while disconnected (enableOfflineQueue: false), but a subscriber
 * must be able to subscribe before the first connect, so realtime uses its
 * own duplicates. Publishing is fire-and-forget in the Socket.IO adapter and
 * emitter: a publish that fails during a Redis outage would otherwise become
 * an unhandled rejection and end the process, so it is caught and counted
 * here. A missed live event is not lost: it is stored with its run, and
 * clients get it by replay when they rejoin.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

export interface RealtimeRedis {
  /** Publishing client whose `publish` never rejects. */
  pub: Redis;
  /** Dedicated subscriber connection (only the hub's adapter needs one). */
  sub?: Redis;
  close(): Promise<void>;
}

function safePublisher(client: Redis, logger: Logger): Redis {
  let lastWarn = 0;
  const publish = (channel: string | Buffer, message: string | Buffer) =>
    client.publish(channel, message).catch((err: Error) => {
      // One warning per second is enough to see an outage without flooding the log.
      if (Date.now() - lastWarn > 1000) {
        lastWarn = Date.now();
        logger.warn({ err: err.message }, 'realtime publish to redis failed; clients catch up by replay');
      }
      return 0;
    });
  return new Proxy(client, {
    get(target, prop) {
      if (prop === 'publish') return publish;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export function realtimeRedis(base: Redis, logger: Logger, withSubscriber: boolean): RealtimeRedis {
  // Not auto-pipelined like the runtime's client: the adapter issues commands while it closes,
  // and an auto-pipelined command queued behind QUIT fails instead of being sent.
  const options = { enableOfflineQueue: true, maxRetriesPerRequest: 2, lazyConnect: false, enableAutoPipelining: false };
  const pubClient = base.duplicate(options);
  const subClient = withSubscriber ? base.duplicate({ ...options, maxRetriesPerRequest: null }) : undefined;
  for (const c of [pubClient, subClient]) c?.on('error', (err: Error) => logger.debug({ err: err.message }, 'realtime redis error'));
  return {
    pub: safePublisher(pubClient, logger),
    sub: subClient,
    async close() {
      await Promise.all([pubClient, subClient].map((c) => c?.quit().catch(() => c.disconnect())));
    },
  };
}
