/**
 * The embedded queue: jobs live in this process's memory, with the same
 * dedupe, retry, timeout and request/reply semantics as the bee-queue driver.
 * Durability comes from the database, not from here: a run is stored before
 * it is enqueued, and after a restart the worker's sweep enqueues it again.
 */
import { randomUUID } from 'node:crypto';
import { QueueRequestTimeout, type Job, type JobHandler, type JobQueue, type JobSpec, type QueueDriver } from './types.js';

interface Entry<Data> {
  spec: JobSpec<Data> & { id: string };
  retriesLeft: number;
  delay: number;
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message)), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e) => (clearTimeout(timer), reject(e)),
    );
  });
}

class InProcessQueue<Data, Result> implements JobQueue<Data, Result> {
  /** Ids of jobs waiting, active or waiting to retry. */
  private readonly known = new Set<string>();
  private readonly waiting: Array<Entry<Data>> = [];
  private readonly active = new Set<Promise<void>>();
  private readonly replies = new Map<string, { resolve(v: Result): void; reject(e: unknown): void }>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private handler?: JobHandler<Data, Result>;
  private concurrency = 0;
  private closed = false;

  constructor(readonly name: string) {}

  async add(job: JobSpec<Data>): Promise<boolean> {
    if (this.closed) throw new Error(`queue ${this.name} is closed`);
    const id = job.id ?? randomUUID();
    if (this.known.has(id)) return false;
    this.known.add(id);
    this.waiting.push({ spec: { ...job, id }, retriesLeft: job.retries, delay: job.backoffMs });
    queueMicrotask(() => this.pump());
    return true;
  }

  async addMany(jobs: Array<JobSpec<Data>>): Promise<number> {
    let added = 0;
    for (const job of jobs) if (await this.add(job)) added++;
    return added;
  }

  request(data: Data, options: { timeoutMs: number }): Promise<Result> {
    const id = randomUUID();
    return new Promise<Result>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.replies.delete(id);
        reject(new QueueRequestTimeout(options.timeoutMs));
      }, options.timeoutMs);
      this.replies.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.add({ id, data, retries: 0, backoffMs: 0, timeoutMs: options.timeoutMs }).catch((err) => this.replies.get(id)?.reject(err));
    });
  }

  process(concurrency: number, handler: JobHandler<Data, Result>): void {
    if (this.handler) throw new Error(`queue ${this.name} is processed already`);
    this.handler = handler;
    this.concurrency = concurrency;
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.handler && this.active.size < this.concurrency && this.waiting.length > 0) {
      const entry = this.waiting.shift()!;
      const run = this.runOne(entry).finally(() => {
        this.active.delete(run);
        this.pump();
      });
      this.active.add(run);
    }
  }

  private async runOne(entry: Entry<Data>): Promise<void> {
    const job: Job<Data> = { id: entry.spec.id, data: entry.spec.data };
    try {
      const result = await withTimeout(Promise.resolve().then(() => this.handler!(job)), entry.spec.timeoutMs, `job ${job.id} timed out (${entry.spec.timeoutMs} ms)`);
      this.known.delete(job.id);
      this.replies.get(job.id)?.resolve(result);
      this.replies.delete(job.id);
    } catch (err) {
      if (entry.retriesLeft > 0 && !this.closed) {
        entry.retriesLeft -= 1;
        const delay = entry.delay;
        entry.delay *= 2;
        const timer = setTimeout(() => {
          this.retryTimers.delete(timer);
          this.waiting.push(entry);
          this.pump();
        }, delay);
        this.retryTimers.add(timer);
        return;
      }
      this.known.delete(job.id);
      this.replies.get(job.id)?.reject(err);
      this.replies.delete(job.id);
    }
  }

  async close(timeoutMs = 5000): Promise<void> {
    this.closed = true;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    const drained = Promise.all([...this.active]).then(() => undefined);
    await Promise.race([drained, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }
}

export class InProcessDriver implements QueueDriver {
  readonly kind = 'in-process' as const;
  private readonly queues = new Map<string, InProcessQueue<unknown, unknown>>();

  queue<Data, Result = unknown>(name: string): JobQueue<Data, Result> {
    let q = this.queues.get(name);
    if (!q) this.queues.set(name, (q = new InProcessQueue(name)));
    return q as unknown as JobQueue<Data, Result>;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
