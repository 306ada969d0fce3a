/**
 * Wake-ups for outbox relays in other processes. In embedded mode the relay
 * runs beside the ingest and is nudged directly. With Redis it runs in
 * `switchyard worker` processes, so a process that commits webhook events
 * announces it on a Redis channel (at most one message per 50 ms) and every
 * relay listening there drains soon after, rather than at its next poll
 * (WEBHOOKS_RELAY_POLL_MS). A lost message only delays: the poll still runs.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../../core/logger.js';

const ANNOUNCE_EVERY_MS = 50;

export interface RelayWakeups {
  /** Tells the relays that new outbox rows are committed. */
  announce(): void;
  /** Calls `onWake` when any process announces; returns how to stop listening. */
  listen(onWake: () => void): () => Promise<void>;
}

export function relayWakeups(redis: Redis | undefined, queuePrefix: string, logger: Logger): RelayWakeups {
  const channel = `${queuePrefix}:webhooks:outbox-committed`;
  let scheduled = false;
  return {
    announce() {
      if (!redis || scheduled) return;
      scheduled = true;
      setTimeout(() => {
        scheduled = false;
        redis.publish(channel, '1').catch((err: Error) => logger.debug({ err: err.message }, 'relay wake-up not sent; the relays poll'));
      }, ANNOUNCE_EVERY_MS).unref();
    },
    listen(onWake) {
      if (!redis) return async () => undefined;
      // A connection of its own (a subscribed one can do nothing else), which
      // waits for Redis rather than failing and resubscribes after a reconnect.
      const subscriber = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
      subscriber.on('error', (err: Error) => logger.debug({ err: err.message }, 'relay wake-up channel: redis error'));
      subscriber.on('message', () => onWake());
      subscriber.subscribe(channel).catch((err: Error) => logger.warn({ err: err.message }, 'relay wake-up channel: subscribe failed; the relay polls'));
      return async () => {
        await subscriber.quit().catch(() => subscriber.disconnect());
      };
    },
  };
}
