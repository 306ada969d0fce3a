/**
 * Applies each run's events exactly once and in seq order.
 *
 * The hub numbers every event of a run (seq 1, 2, 3, ...). When a client
 * (re)joins a run room with `afterSeq`, the hub joins it to the room first
 * and then replays stored events, so nothing is missed, but an event
 * published during the replay can arrive twice, or before older replayed
 * ones. This keeps, per tracked run, the last applied seq and a buffer of
 * early arrivals: duplicates are dropped, early events wait for the missing
 * ones, and a hole that stays open (a lost live event) is reported through
 * `onGap` so the caller can rejoin with `afterSeq` and have it replayed.
 * Events without a run or seq (webhooks, sales) are applied as they come.
 *
 * Plain ES module without DOM access: the dashboard and the tests use it.
 */
export class RunSequencer {
  /**
   * @param {{ onEvent: (event: object) => void, onGap?: (runId: string, lastSeq: number) => void, gapTimeoutMs?: number }} options
   */
  constructor(options) {
    this.onEvent = options.onEvent;
    this.onGap = options.onGap ?? (() => {});
    this.gapTimeoutMs = options.gapTimeoutMs ?? 2000;
    /** @type {Map<string, { last: number, pending: Map<number, object>, timer: any }>} */
    this.runs = new Map();
  }

  /** Starts sequencing a run whose events up to `lastSeq` are already applied. */
  track(runId, lastSeq = 0) {
    const existing = this.runs.get(runId);
    if (existing) return existing.last;
    this.runs.set(runId, { last: lastSeq, pending: new Map(), timer: undefined });
    return lastSeq;
  }

  untrack(runId) {
    const run = this.runs.get(runId);
    if (run) clearTimeout(run.timer);
    this.runs.delete(runId);
  }

  /** The last seq applied for a tracked run (what to send as afterSeq on rejoin). */
  lastSeq(runId) {
    return this.runs.get(runId)?.last ?? 0;
  }

  push(event) {
    const run = event && typeof event.runId === 'string' ? this.runs.get(event.runId) : undefined;
    if (!run || !Number.isInteger(event.seq)) {
      this.onEvent(event);
      return;
    }
    if (event.seq <= run.last || run.pending.has(event.seq)) return; // already applied or waiting
    run.pending.set(event.seq, event);
    while (run.pending.has(run.last + 1)) {
      const next = run.pending.get(run.last + 1);
      run.pending.delete(run.last + 1);
      run.last += 1;
      this.onEvent(next);
    }
    clearTimeout(run.timer);
    run.timer = undefined;
    if (run.pending.size > 0) {
      run.timer = setTimeout(() => {
        run.timer = undefined;
        if (run.pending.size > 0 && this.runs.get(event.runId) === run) this.onGap(event.runId, run.last);
      }, this.gapTimeoutMs);
    }
  }

  dispose() {
    for (const run of this.runs.values()) clearTimeout(run.timer);
    this.runs.clear();
  }
}
