/**
 * Fan-out of hub events to the tenant's outbound subscriptions: one durable
 * delivery row per matching subscription, keyed so that the same event is
 * never queued twice for a subscription. The relay calls `enqueue` for the
 * events it produces (awaited before its outbox row is done); run events
 * published on the bus by the pipeline engine are picked up by `attach`.
 */
import type { EventBus, HubEvent } from '../../core/events.js';
import type { Logger } from '../../core/logger.js';
import { DeliveriesStore } from './deliveries-store.js';
import type { Subscription, SubscriptionsStore } from './subscriptions-store.js';

/** Matching subscriptions by tenant and event type, shared by the calls of one relay batch. */
export type SubscriptionCache = Map<string, Promise<Subscription[]>>;

/** Events whose deliveries the relay creates itself (durably, from the outbox). */
const relayOwned = new Set(['webhook.received', 'sale.recorded']);

export class OutboundDispatcher {
  constructor(
    private readonly subscriptions: SubscriptionsStore,
    private readonly deliveries: DeliveriesStore,
    private readonly logger: Logger,
    private readonly onQueued: () => void = () => undefined,
  ) {}

  /** Queues `{ type, timestamp, data }` for every subscription of the tenant that wants `type`. */
  async enqueue(tenantId: string, type: string, data: Record<string, unknown>, eventKey: string, at = new Date().toISOString(), cache?: SubscriptionCache): Promise<number> {
    const subs = await this.matching(tenantId, type, cache);
    if (subs.length === 0) return 0;
    const payload = JSON.stringify({ type, timestamp: at, data });
    const created = await this.deliveries.fanOut(tenantId, subs.map((s) => s.id), type, eventKey, payload);
    if (created > 0) this.onQueued();
    return created;
  }

  private matching(tenantId: string, type: string, cache: SubscriptionCache | undefined): Promise<Subscription[]> {
    if (!cache) return this.subscriptions.matching(tenantId, type);
    const key = `${tenantId}\u0001${type}`;
    let hit = cache.get(key);
    if (!hit) {
      cache.set(key, (hit = this.subscriptions.matching(tenantId, type)));
      // A failed lookup is not remembered: the retry of the row asks again.
      hit.catch(() => cache.delete(key));
    }
    return hit;
  }

  /** Subscribes to the bus for run and stage events; returns the unsubscribe function. */
  attach(bus: EventBus): () => void {
    return bus.subscribe((event: HubEvent) => {
      if (relayOwned.has(event.name)) return;
      const data: Record<string, unknown> = { ...event.data };
      if (event.runId) data.runId = event.runId;
      if (event.siteId) data.siteId = event.siteId;
      if (event.agentId) data.agentId = event.agentId;
      const key = `${event.name}:${event.runId ?? ''}:${event.seq ?? event.at}`;
      this.enqueue(event.tenantId, event.name, data, key, event.at).catch((err) =>
        this.logger.error({ err, event: event.name }, 'outbound webhooks: could not queue deliveries'));
    });
  }
}
