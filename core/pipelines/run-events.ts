/**
 * Storing and publishing run events. Every event is appended to run_events
 * (with its per-run seq) and then published on runtime.bus with that seq, so a
 * live subscriber and a replaying one see the same sequence.
 */
import type { Knex } from 'knex';
import type { Db } from '../db/knex.js';
import { RunEventsRepo, type RunEventInput, type StoredRunEvent } from '../db/repos/run-events-repo.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../logger.js';

export class RunEventRecorder {
  constructor(private readonly db: Db, private readonly bus: EventBus) {}

  /** Appends inside `trx` (atomic with the change it reports); publish after commit. */
  append(trx: Knex.Transaction, event: RunEventInput): Promise<StoredRunEvent> {
    return new RunEventsRepo(trx).append(event);
  }

  publish(event: StoredRunEvent, siteId: string | null): void {
    this.bus.publish({
      name: event.name,
      tenantId: event.tenantId,
      runId: event.runId,
      seq: event.seq,
      ...(siteId ? { siteId } : {}),
      ...(event.agentId ? { agentId: event.agentId } : {}),
      at: event.createdAt,
      data: event.data,
    });
  }

  async record(event: RunEventInput, siteId: string | null): Promise<StoredRunEvent> {
    const stored = await new RunEventsRepo(this.db).append(event);
    this.publish(stored, siteId);
    return stored;
  }
}

/**
 * Events of one run written in order without making the caller wait
 * (agent messages, progress). `flush` waits for everything added so far, so
 * a stage's messages are stored before its stage.completed.
 */
export class RunEventLog {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly recorder: RunEventRecorder,
    private readonly run: { tenantId: string; runId: string; siteId: string | null },
    private readonly logger: Logger,
  ) {}

  add(name: RunEventInput['name'], data: Record<string, unknown>, agentId?: string): void {
    const event = { tenantId: this.run.tenantId, runId: this.run.runId, name, data, agentId };
    this.tail = this.tail.then(() =>
      this.recorder.record(event, this.run.siteId).then(
        () => undefined,
        (err) => this.logger.error({ err, runId: this.run.runId, event: name }, 'run event could not be stored'),
      ),
    );
  }

  flush(): Promise<void> {
    return this.tail;
  }
}
