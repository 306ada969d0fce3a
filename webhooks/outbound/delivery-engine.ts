/**
 * Sends due outbound deliveries, signed per Standard Webhooks: the delivery id
 * is `webhook-id` (stable across retries), each attempt gets a fresh
 * `webhook-timestamp` and signature. Any 2xx succeeds; anything else, a
 * timeout or a refused address is a failed attempt retried after the
 * configured schedule (WEBHOOKS_RETRY_SCHEDULE, ±20 % jitter, Retry-After
 * honoured when longer); after the last scheduled retry the delivery is
 * dead-lettered. 410 Gone dead-letters at once and disables the subscription.
 */
import type { Logger } from '../../core/logger.js';
import { standardWebhookHeaders } from '../verify/standard-webhooks.js';
import { DeliveriesStore, type ClaimedDelivery } from './deliveries-store.js';
import { send } from './sender.js';
import type { SubscriptionWithSecret, SubscriptionsStore } from './subscriptions-store.js';
import { checkTargetUrl } from './target-policy.js';
import { hubVersion } from '../../core/version.js';
import { PollingLoop } from '../polling-loop.js';

export interface DeliveryEngineOptions {
  subscriptions: SubscriptionsStore;
  deliveries: DeliveriesStore;
  logger: Logger;
  scheduleMs: number[];
  timeoutMs: number;
  pollMs: number;
  concurrency: number;
}

/** Delay before the next attempt after `failedAttempts` failures in this cycle, or undefined when the schedule is used up. */
export function nextDelay(scheduleMs: number[], failedAttempts: number, random = Math.random): number | undefined {
  const base = scheduleMs[failedAttempts - 1];
  if (base === undefined) return undefined;
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** Reads shared by the attempts of one claimed batch: subscription (with its secret) by id, private-target permission by tenant. */
interface BatchLookups {
  subscriptions: Map<string, Promise<SubscriptionWithSecret | undefined>>;
  allowPrivate: Map<string, Promise<boolean>>;
}

function once<K, V>(map: Map<K, Promise<V>>, key: K, read: () => Promise<V>): Promise<V> {
  let hit = map.get(key);
  if (!hit) map.set(key, (hit = read()));
  return hit;
}

export class DeliveryEngine {
  private readonly loop: PollingLoop;

  constructor(private readonly o: DeliveryEngineOptions) {
    this.loop = new PollingLoop(() => this.drain(), {
      pollMs: o.pollMs,
      onError: (err) => o.logger.error({ err }, 'delivery engine: drain failed'),
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Wakes the engine now (a delivery was created or redelivered). */
  nudge(): void {
    this.loop.nudge();
  }

  async drain(): Promise<void> {
    while (!this.loop.stopped) {
      let due: ClaimedDelivery[];
      try {
        due = await this.o.deliveries.claimDue(this.o.concurrency, this.o.timeoutMs + 30_000);
      } catch (err) {
        this.o.logger.warn({ err: (err as Error).message }, 'delivery engine: claiming failed');
        return;
      }
      if (due.length === 0) return;
      const lookups: BatchLookups = { subscriptions: new Map(), allowPrivate: new Map() };
      await Promise.all(due.map((d) => this.attempt(d, lookups).catch((err) => this.o.logger.error({ err, deliveryId: d.id }, 'delivery attempt failed unexpectedly'))));
    }
  }

  private async attempt(d: ClaimedDelivery, lookups: BatchLookups): Promise<void> {
    const sub = await once(lookups.subscriptions, d.subscription_id, () => this.o.subscriptions.withSecret(d.subscription_id));
    if (!sub || !sub.enabled) {
      await this.o.deliveries.finish(d.id, 'dead', null, 'subscription disabled or deleted');
      return;
    }
    const allowPrivate = await once(lookups.allowPrivate, d.tenant_id, () => this.o.subscriptions.allowPrivateTargets(d.tenant_id));
    const startedAt = new Date();
    const target = checkTargetUrl(sub.url, allowPrivate);
    const timestamp = Math.floor(Date.now() / 1000);
    const result = target.ok
      ? await send(sub.url, d.payload, {
        ...standardWebhookHeaders([sub.secret], d.id, timestamp, d.payload),
        'user-agent': `Switchyard-Webhooks/${hubVersion}`,
      }, { timeoutMs: this.o.timeoutMs, allowPrivate })
      : { statusCode: null, error: `target refused: ${target.reason}`, latencyMs: 0, retryAfterMs: null };
    await this.o.deliveries.recordAttempt(d, { statusCode: result.statusCode, latencyMs: result.latencyMs, error: result.error, startedAt });

    const code = result.statusCode;
    if (code !== null && code >= 200 && code < 300) {
      await this.o.deliveries.finish(d.id, 'succeeded', code, null);
      return;
    }
    const error = result.error ?? `HTTP ${code}`;
    if (code === 410) {
      await this.o.deliveries.finish(d.id, 'dead', code, 'receiver answered 410 Gone; subscription disabled');
      await this.o.subscriptions.disable(sub.id, 'receiver answered 410 Gone');
      return;
    }
    const delay = nextDelay(this.o.scheduleMs, d.attempts - d.cycle_start);
    if (delay === undefined) {
      this.o.logger.warn({ deliveryId: d.id, subscriptionId: sub.id, attempts: d.attempts }, 'outbound delivery dead-lettered');
      await this.o.deliveries.finish(d.id, 'dead', code, error);
      return;
    }
    const wait = Math.max(delay, Math.min(result.retryAfterMs ?? 0, 24 * 3_600_000));
    await this.o.deliveries.retryAt(d.id, new Date(Date.now() + wait), code, error);
  }
}
