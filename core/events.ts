/**
 * The hub's internal event bus: one typed map of event names to payloads.
 * Domain code publishes here; realtime (Socket.IO rooms) and outbound
 * webhooks subscribe. Only core/realtime/ knows about sockets.
 */
import { EventEmitter } from 'node:events';

export const hubEventNames = [
  'run.queued',
  'run.started',
  'stage.started',
  'stage.completed',
  'stage.failed',
  'agent.message',
  'run.completed',
  'run.failed',
  'run.cancelled',
  'webhook.received',
  'sale.recorded',
] as const;

export type HubEventName = (typeof hubEventNames)[number];

/** Common envelope of every event. `seq` increases monotonically per run (events with a runId). */
export interface HubEvent<Data = Record<string, unknown>> {
  name: HubEventName;
  tenantId: string;
  runId?: string;
  /** Per-run sequence number, set when the event belongs to a run and was stored with it. */
  seq?: number;
  siteId?: string;
  agentId?: string;
  at: string;
  data: Data;
}

export type HubEventHandler = (event: HubEvent) => void;

export interface EventBus {
  publish(event: HubEvent): void;
  /** Returns an unsubscribe function. */
  subscribe(handler: HubEventHandler): () => void;
}

/** In-process bus. A failing subscriber is isolated: it cannot break the publisher or other subscribers. */
export class LocalEventBus implements EventBus {
  private readonly emitter = new EventEmitter({ captureRejections: false });

  constructor(private readonly onSubscriberError: (err: unknown, event: HubEvent) => void = () => undefined) {
    this.emitter.setMaxListeners(0);
  }

  publish(event: HubEvent): void {
    for (const listener of this.emitter.listeners('event') as HubEventHandler[]) {
      try {
        listener(event);
      } catch (err) {
        this.onSubscriberError(err, event);
      }
    }
  }

  subscribe(handler: HubEventHandler): () => void {
    this.emitter.on('event', handler);
    return () => this.emitter.off('event', handler);
  }
}
