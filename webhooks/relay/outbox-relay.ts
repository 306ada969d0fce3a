/**
 * The outbox relay: turns stored inbox events into their effects, after the
 * provider has been answered. For each pending outbox row it records the sales
 * ledger entry, announces `webhook.received` / `sale.recorded` (bus and
 * outbound subscriptions), evaluates the tenant's trigger rules and starts the
 * matching pipelines through the pipeline API with an idempotency key derived
 * from the event id. Only then is the row marked done.
 *
 * Every step is idempotent, so a row that fails half-way (Redis down, a crash)
 * is simply processed again later: a Redis outage delays pipelines and loses
 * nothing. Rows are retried forever with capped exponential backoff; several
 * processes may run relays (rows are claimed with a lease, SKIP LOCKED on
 * PostgreSQL).
 */
import { isPostgres, prepared, type Db } from '../../core/db/knex.js';
import type { EventBus } from '../../core/events.js';
import { isHubError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { LedgerEntry } from '../../core/sdk/index.js';
import { SalesStore, type Sale } from '../ledger/sales-store.js';
import { EventsStore, type StoredEvent } from '../store/events-store.js';
import { skipLocked } from '../store/rows.js';
import { mapInput, ruleMatches, type EventView } from '../triggers/rule-matcher.js';
import { RulesStore, type TriggerRule } from '../triggers/rules-store.js';
import type { OutboundDispatcher, SubscriptionCache } from '../outbound/dispatcher.js';
import { PollingLoop } from '../polling-loop.js';

/** Starts a pipeline run idempotently (the pipeline API's startRun). */
export interface PipelineStarter {
  start(call: { tenantId: string; pipelineId: string; input: unknown; idempotencyKey: string; siteId?: string }): Promise<{ runId: string; created: boolean }>;
}

export interface RelayOptions {
  db: Db;
  bus: EventBus;
  logger: Logger;
  starter: PipelineStarter;
  dispatcher: OutboundDispatcher;
  pollMs: number;
  maxBackoffMs: number;
  /** Rows claimed per batch (default 500 on PostgreSQL, 200 on SQLite). */
  batchSize?: number;
  leaseMs?: number;
  /**
   * How long a nudge waits before the relay drains (default 250 ms on
   * PostgreSQL, 50 ms on SQLite). Ingest commits nudge the relay many times a
   * second under load; without the wait each drain claimed the few rows of
   * one commit and paid the per-batch statements (claim, read, ledger
   * transaction, mark done) for them, which cost ingest throughput. The relay
   * runs in the hub's event loop, so its cost per row is taken from ingest:
   * on PostgreSQL a batch of 500 rows cost about a third less hub and
   * database CPU per row than one of 100 (a 50 ms wait gave batches of about
   * 120 at 2,500 IPNs/s). SQLite has one connection, which a long relay
   * transaction keeps from ingest, so it keeps short batches. Pipelines start
   * at most this much later.
   */
  coalesceMs?: number;
}

const DEFAULTS = { postgres: { batch: 500, coalesceMs: 250 }, sqlite: { batch: 200, coalesceMs: 50 } };

interface OutboxRow {
  id: number;
  tenant_id: string;
  event_id: string;
  replay_id: string | null;
  attempts: number;
}

/**
 * Rows processed between two turns of the event loop. Awaiting a settled
 * promise does not let I/O run, so without this a batch of hundreds of rows
 * (no subscriptions, no rules: nothing waits for the network) held the event
 * loop for milliseconds, and inbound webhooks waited behind it.
 */
const YIELD_EVERY = 64;
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A failure that will not go away by retrying (e.g. the run input is invalid): recorded, not retried. */
function isPermanent(err: unknown): boolean {
  return isHubError(err) && err.status >= 400 && err.status < 500 && err.status !== 429 && err.status !== 408;
}

export function saleEventData(sale: Sale): Record<string, unknown> {
  return {
    saleId: sale.id, siteId: sale.siteId, network: sale.network, kind: sale.kind, transactionId: sale.transactionId,
    orderId: sale.orderId, originalSaleId: sale.originalSaleId, amount: sale.amount, currency: sale.currency,
    status: sale.status, occurredAt: sale.occurredAt, eventId: sale.eventId,
  };
}

export class OutboxRelay {
  private readonly events: EventsStore;
  private readonly sales: SalesStore;
  private readonly rules: RulesStore;
  private readonly loop: PollingLoop;

  /**
   * The claim: the oldest due pending rows, read in the order of the
   * pending-rows index (migration 009) so the scan stops after one batch.
   * A named statement with the batch size written into its text: its cached
   * plan does not depend on the table's statistics (an unnamed one was
   * planned as "read every pending row, then sort" while a fresh table had
   * none, i.e. time linear in the backlog for every batch).
   */
  private readonly claimName: string;
  private readonly claimSql: string;
  private readonly batchSize: number;

  constructor(private readonly o: RelayOptions) {
    const defaults = isPostgres(o.db) ? DEFAULTS.postgres : DEFAULTS.sqlite;
    const batch = Math.max(1, Math.floor(o.batchSize ?? defaults.batch));
    this.batchSize = batch;
    this.claimName = `webhooks_relay_claim_${batch}`;
    this.claimSql = `update webhook_outbox set locked_until = ?, attempts = attempts + 1
      where id in (select id from webhook_outbox where status = 'pending' and available_at <= ?
        and (locked_until is null or locked_until < ?) order by available_at, id limit ${batch}${skipLocked(o.db)})
      returning id, tenant_id, event_id, replay_id, attempts`;
    this.events = new EventsStore(o.db);
    this.sales = new SalesStore(o.db);
    this.rules = new RulesStore(o.db);
    this.loop = new PollingLoop(() => this.drain(), {
      pollMs: o.pollMs,
      nudgeDelayMs: o.coalesceMs ?? defaults.coalesceMs,
      onError: (err) => o.logger.error({ err }, 'outbox relay: drain failed'),
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Wakes the relay soon (called after an ingest commit); nudges within coalesceMs share one drain. */
  nudge(): void {
    this.loop.nudge();
  }

  /**
   * Processes due rows until none is left (or processing fails); returns how
   * many were done. It stops after a partial batch: the rest arrive with the
   * next nudge or poll.
   */
  async drain(): Promise<number> {
    let done = 0;
    const batchSize = this.batchSize;
    for (;;) {
      if (this.loop.stopped && done > 0) return done;
      let rows: OutboxRow[];
      try {
        rows = await this.claim();
      } catch (err) {
        this.o.logger.warn({ err: (err as Error).message }, 'outbox relay: claiming failed');
        return done;
      }
      if (rows.length === 0) return done;
      const ok = await this.processBatch(rows);
      done += ok;
      if (ok < rows.length || rows.length < batchSize) return done;
    }
  }

  private async claim(): Promise<OutboxRow[]> {
    const now = new Date();
    const lease = new Date(now.getTime() + (this.o.leaseMs ?? 60_000));
    const result = await prepared(this.o.db, this.claimName, this.claimSql, [lease, now, now]);
    const rows = (Array.isArray(result) ? result : result.rows) as OutboxRow[];
    return rows.sort((a, b) => a.id - b.id);
  }

  /**
   * Marks rows done. On PostgreSQL the ids travel as one array, so the text is
   * short whatever the batch size (an IN list of hundreds of parameters was
   * slow to parse and plan). Not a named statement: its plan is made for each
   * call, as one cached while the table was small would scan the table.
   */
  private async markDone(ids: number[]): Promise<void> {
    const now = new Date();
    if (isPostgres(this.o.db)) {
      await this.o.db.raw("update webhook_outbox set status = 'done', done_at = ?, locked_until = null, last_error = null where id = any(?::int[])", [now, ids]);
    } else {
      await this.o.db('webhook_outbox').whereIn('id', ids).update({ status: 'done', done_at: now, locked_until: null, last_error: null });
    }
  }

  private async processBatch(rows: OutboxRow[]): Promise<number> {
    const events = await this.events.getMany(rows.map((r) => r.event_id));
    const rulesByTenant = new Map<string, Promise<TriggerRule[]>>();
    // Subscriptions are looked up once per tenant and event type per batch, not once per event.
    const subscriptions: SubscriptionCache = new Map();
    const doneIds: number[] = [];
    // Marked done together; a crash before that only repeats idempotent work.
    const markDone = async () => {
      if (doneIds.length > 0) await this.markDone(doneIds);
    };
    const fail = async (err: unknown, from: number) => {
      const row = rows[from];
      await markDone().catch(() => undefined);
      // Most likely a dependency is down: the rest of the batch would fail the same way.
      const delay = Math.min(this.o.maxBackoffMs, 200 * 2 ** Math.min(row.attempts, 20));
      this.o.logger.warn({ err: (err as Error).message, eventId: row.event_id, attempts: row.attempts, retryInMs: delay }, 'outbox relay: processing failed, will retry');
      const ids = rows.slice(from).map((r) => r.id);
      await this.o.db('webhook_outbox').whereIn('id', ids)
        .update({ available_at: new Date(Date.now() + delay), locked_until: null, last_error: String((err as Error).message).slice(0, 500) })
        .catch(() => undefined);
    };

    let siteIds: Map<number, string | null>;
    try {
      siteIds = await this.recordLedger(rows, events, subscriptions);
    } catch (err) {
      await fail(err, 0);
      return 0;
    }
    let done = 0;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const event = events.get(row.event_id);
      try {
        if (event) {
          let rules = rulesByTenant.get(row.tenant_id);
          if (!rules) rulesByTenant.set(row.tenant_id, (rules = this.rules.enabledFor(row.tenant_id)));
          await this.processOne(row, event, await rules, siteIds.get(row.id) ?? null, subscriptions);
        }
        doneIds.push(row.id);
        done += 1;
        if (done % YIELD_EVERY === 0) await yieldToIo();
      } catch (err) {
        await fail(err, i);
        return done;
      }
    }
    await markDone();
    return done;
  }

  /**
   * Ledger entries of the batch's first-time events, in one transaction; then
   * `sale.recorded` for each newly recorded sale, before anything else can
   * fail, because a retried row finds its sale already recorded and would not
   * announce it again. Returns the site of each row's sale.
   */
  private async recordLedger(rows: OutboxRow[], events: Map<string, StoredEvent & { tenantId: string }>, subscriptions: SubscriptionCache): Promise<Map<number, string | null>> {
    const siteIds = new Map<number, string | null>();
    const fresh = rows.filter((r) => !r.replay_id && events.get(r.event_id)?.ledger);
    const replays = rows.filter((r) => r.replay_id && events.get(r.event_id)?.ledger);
    const recorded = await this.sales.recordMany(fresh.map((r) => {
      const event = events.get(r.event_id)!;
      return { tenantId: r.tenant_id, network: event.connector, eventId: event.id, entry: event.ledger as unknown as LedgerEntry };
    }));
    for (let i = 0; i < fresh.length; i++) {
      if (i > 0 && i % YIELD_EVERY === 0) await yieldToIo();
      const { sale, created } = recorded[i];
      const tenantId = fresh[i].tenant_id;
      siteIds.set(fresh[i].id, sale.siteId);
      if (created) {
        const data = saleEventData(sale);
        await this.o.dispatcher.enqueue(tenantId, 'sale.recorded', data, `sale.recorded:${sale.id}`, undefined, subscriptions);
        this.o.bus.publish({ name: 'sale.recorded', tenantId, siteId: sale.siteId ?? undefined, at: new Date().toISOString(), data });
      }
    }
    for (const r of replays) siteIds.set(r.id, (await this.sales.forEvent(r.tenant_id, r.event_id))[0]?.siteId ?? null);
    return siteIds;
  }

  private async processOne(row: OutboxRow, event: StoredEvent & { tenantId: string }, rules: TriggerRule[], siteId: string | null, subscriptions: SubscriptionCache): Promise<void> {
    const tenantId = row.tenant_id;
    const replay = row.replay_id;
    const view: EventView = { ...event, siteId };
    if (!replay && row.attempts <= 1) {
      // Announced once per first processing attempt; subscribers dedupe on webhook-id anyway.
      const data = { eventId: event.id, type: event.type, connector: event.connector, source: event.source, providerEventId: event.providerEventId, siteId, occurredAt: event.occurredAt };
      await this.o.dispatcher.enqueue(tenantId, 'webhook.received', data, `webhook.received:${event.id}`, undefined, subscriptions);
      this.o.bus.publish({ name: 'webhook.received', tenantId, siteId: siteId ?? undefined, at: new Date().toISOString(), data });
    }
    for (const rule of rules) {
      if (!ruleMatches(rule, view)) continue;
      const idempotencyKey = replay ? `webhook:${event.id}:${rule.id}:${replay}` : `webhook:${event.id}:${rule.id}`;
      try {
        const { runId } = await this.o.starter.start({
          tenantId, pipelineId: rule.pipelineId, input: mapInput(rule.inputMapping, view), idempotencyKey, siteId: siteId ?? undefined,
        });
        await this.events.recordRun({ eventId: event.id, ruleId: rule.id, replayId: replay, tenantId, pipelineId: rule.pipelineId, runId, error: null });
      } catch (err) {
        if (!isPermanent(err)) throw err;
        this.o.logger.warn({ err: (err as Error).message, eventId: event.id, ruleId: rule.id }, 'trigger rule could not start its pipeline');
        await this.events.recordRun({ eventId: event.id, ruleId: rule.id, replayId: replay, tenantId, pipelineId: rule.pipelineId, runId: null, error: (err as Error).message });
      }
    }
  }
}
