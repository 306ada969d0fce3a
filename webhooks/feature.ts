/**
 * The webhooks feature, composed on a Runtime: inbound routes (`/webhooks`),
 * API routes (`/api/v1`: events, sales, revenue, trigger rules, sources,
 * subscriptions), the outbox relay and the outbound delivery engine. The hub
 * mounts the routes and calls start()/stop(); `switchyard worker` calls
 * start()/stop() too, without mounting routes, so that deliveries exist for
 * the run events its pipelines publish. The relay runs where pipelines run:
 * in the hub in embedded mode, in the workers otherwise (RUN_WORKER_IN_HUB).
 */
import type { Runtime } from '../core/runtime.js';
import type { RouteSpec } from '../core/http/route.js';
import { GenericSourcesStore } from './generic/generic-sources.js';
import { InboundService } from './inbound/inbound-service.js';
import { SourceResolver } from './inbound/source-resolver.js';
import { SalesStore } from './ledger/sales-store.js';
import { DeliveriesStore } from './outbound/deliveries-store.js';
import { DeliveryEngine } from './outbound/delivery-engine.js';
import { OutboundDispatcher } from './outbound/dispatcher.js';
import { SubscriptionsStore } from './outbound/subscriptions-store.js';
import { OutboxRelay } from './relay/outbox-relay.js';
import { pipelineExists, pipelineStarter } from './relay/pipeline-starter.js';
import { relayWakeups } from './relay/relay-wakeups.js';
import { eventsRoutes } from './routes/events-routes.js';
import { inboundRoutes } from './routes/inbound-routes.js';
import { salesRoutes } from './routes/sales-routes.js';
import { sourcesRoutes } from './routes/sources-routes.js';
import { subscriptionsRoutes } from './routes/subscriptions-routes.js';
import { triggerRulesRoutes } from './routes/trigger-rules-routes.js';
import { EventsStore } from './store/events-store.js';
import { InboxWriter } from './store/inbox-writer.js';
import { RejectionLog } from './store/rejection-log.js';
import { SecretBox } from './store/secret-box.js';
import { RulesStore } from './triggers/rules-store.js';

export interface WebhooksFeature {
  /** Mounted under `/webhooks`. */
  inboundRoutes: RouteSpec[];
  /** Mounted under `/api/v1`. */
  apiRoutes: RouteSpec[];
  /**
   * Starts the delivery engine, the bus subscription and (unless `relay` is
   * false: `switchyard worker` processes run it) the outbox relay.
   */
  start(options?: { relay?: boolean }): void;
  stop(): Promise<void>;
}

export function createWebhooks(runtime: Runtime): WebhooksFeature {
  const { db, config, logger } = runtime;
  const box = new SecretBox(runtime.keyring);
  const subscriptions = new SubscriptionsStore(db, box);
  const deliveries = new DeliveriesStore(db);
  const engine = new DeliveryEngine({
    subscriptions, deliveries, logger, scheduleMs: config.webhooksRetryScheduleMs, timeoutMs: config.webhooksDeliveryTimeoutMs,
    pollMs: config.webhooksDeliveryPollMs, concurrency: config.webhooksDeliveryConcurrency,
  });
  const dispatcher = new OutboundDispatcher(subscriptions, deliveries, logger, () => engine.nudge());
  const relay = new OutboxRelay({
    db, bus: runtime.bus, logger, dispatcher, starter: pipelineStarter(runtime),
    pollMs: config.webhooksRelayPollMs, maxBackoffMs: config.webhooksRelayMaxBackoffMs,
  });
  const sources = new GenericSourcesStore(db, box);
  const resolver = new SourceResolver(db, runtime.plugins, sources, logger, config.webhooksSourceCacheMs);
  // The relay may run here (embedded mode) or in the workers (see start).
  const wakeups = relayWakeups(runtime.redis, config.queuePrefix, logger);
  let relayHere = false;
  const wakeRelay = () => (relayHere ? relay.nudge() : wakeups.announce());
  const writer = new InboxWriter(db, { onCommitted: wakeRelay });
  const rejections = new RejectionLog(db, config.webhooksRejectionLogSize);
  const inbound = new InboundService({ resolver, writer, rejections, metrics: runtime.metrics, bodyLimitBytes: config.webhooksBodyLimitBytes });
  const sales = new SalesStore(db);

  const apiRoutes: RouteSpec[] = [
    ...eventsRoutes({ events: new EventsStore(db), sales, rejections, resolver, nudge: wakeRelay }),
    ...sourcesRoutes({ sources, forget: () => resolver.forget() }),
    ...salesRoutes({ db, sales }),
    ...triggerRulesRoutes({ rules: new RulesStore(db), pipelineExists: (t, p) => pipelineExists(runtime, t, p) }),
    ...subscriptionsRoutes({ subscriptions, deliveries, nudge: () => engine.nudge() }),
  ];

  let detach: (() => void) | undefined;
  let stopListening: (() => Promise<void>) | undefined;
  return {
    inboundRoutes: inboundRoutes(inbound),
    apiRoutes,
    start(options = {}) {
      detach ??= dispatcher.attach(runtime.bus);
      relayHere = options.relay ?? true;
      if (relayHere) {
        relay.start();
        // Commits in other processes (hubs that leave relaying to the workers) wake this relay too.
        stopListening ??= wakeups.listen(() => relay.nudge());
      }
      engine.start();
    },
    async stop() {
      detach?.();
      detach = undefined;
      await Promise.all([relay.stop(), engine.stop(), stopListening?.()]);
      stopListening = undefined;
    },
  };
}
