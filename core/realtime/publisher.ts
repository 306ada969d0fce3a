/**
 * Realtime for processes without a Socket.IO server (workers): every event on
 * the process's bus is published through Redis with the Socket.IO Redis
 * emitter, which the hubs' Redis adapter delivers to the same rooms a hub's
 * own relay would use. Call once per worker process, after createRuntime;
 * never in a hub process, whose own relay already delivers its bus events.
 */
import { Emitter } from '@socket.io/redis-emitter';
import type { Runtime } from '../runtime.js';
import { relayEvent } from './relay.js';
import { realtimeRedis } from './redis-clients.js';

export interface RealtimePublisher {
  stop(): Promise<void>;
}

/**
 * Starts relaying `runtime.bus` to Redis and registers its teardown in
 * `runtime.closers`. Without REDIS_URL there are no other processes to reach,
 * so it does nothing.
 */
export function startRealtimePublisher(runtime: Runtime): RealtimePublisher {
  if (!runtime.redis) {
    runtime.logger.debug('realtime publisher off: no REDIS_URL');
    return { stop: async () => undefined };
  }
  const redis = realtimeRedis(runtime.redis, runtime.logger, false);
  const emitter = new Emitter(redis.pub, { key: runtime.config.realtimeRedisKey });
  const unsubscribe = runtime.bus.subscribe((event) => relayEvent(emitter, event));
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      unsubscribe();
      await redis.close();
    })();
    return stopping;
  };
  runtime.closers.push(stop);
  return { stop };
}
