/**
 * The background loop behind the outbox relay and the delivery engine: runs
 * `drain` every `pollMs`, or `nudgeDelayMs` after a nudge (so nudges that
 * arrive together share one drain), never two drains at once; stop() waits
 * for a drain in progress. A drain that throws is reported and the loop goes on.
 */
export interface PollingLoopOptions {
  pollMs: number;
  /** Wait after a nudge before draining (0: at once). */
  nudgeDelayMs?: number;
  onError(err: unknown): void;
}

export class PollingLoop {
  private timer: NodeJS.Timeout | undefined;
  private timerDue = 0;
  private running: Promise<void> | undefined;
  private again = false;
  private halted = true;

  constructor(private readonly drain: () => Promise<unknown>, private readonly o: PollingLoopOptions) {}

  /** True before start() and after stop(): a long drain should end early. */
  get stopped(): boolean {
    return this.halted;
  }

  start(): void {
    this.halted = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.halted = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Asks for a drain soon; one already due sooner is kept, one running is followed by another. */
  nudge(): void {
    if (this.halted) return;
    const delay = this.o.nudgeDelayMs ?? 0;
    if (this.running) this.again = true;
    else if (!this.timer || this.timerDue > Date.now() + delay) this.schedule(delay);
  }

  private schedule(ms: number): void {
    if (this.halted) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = Date.now() + ms;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.drain()
        .then(() => undefined, (err) => this.o.onError(err))
        .finally(() => {
          this.running = undefined;
          const next = this.again ? (this.o.nudgeDelayMs ?? 0) : this.o.pollMs;
          this.again = false;
          this.schedule(next);
        });
    }, ms);
    this.timer.unref();
  }
}
