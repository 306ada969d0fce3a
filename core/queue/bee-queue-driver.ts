/**
 * bee-queue on Redis. bee-queue 2.x drives the `redis` package's v3 client
 * (callback API, `batch()` for saveAll), which it depends on itself; we hand
 * it connection options (`{ url }`), never an ioredis client, and it opens its
 * own connections: one for commands, one blocking (workers), one pub/sub (replies).
 *
 * Per logical queue we open up to three bee-queue instances, each with the
 * smallest role it needs: a producer (add), a requester (add + receive
 * results over pub/sub) and a worker (consume, raise delayed retries, detect
 * stalled jobs). Finished jobs are removed from Redis (removeOnSuccess /
 * removeOnFailure) because the database is the record of truth and because a
 * job id must be reusable once its job is done. Keys: see docs/queue.md.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import BeeQueue from 'bee-queue';
import type { Logger } from '../logger.js';
import { QueueRequestTimeout, type JobHandler, type JobQueue, type JobSpec, type QueueDriver } from './types.js';

export interface BeeQueueDriverOptions {
  redisUrl: string;
  /** First part of every key: `<prefix>:<queue>:<key>`. */
  prefix: string;
  /** A worker's job counts as stalled (and goes back to waiting) when it stops checking in for this long. */
  stallIntervalMs: number;
  logger: Logger;
}

type Role = 'producer' | 'requester' | 'worker';

/**
 * bee-queue loads its Lua scripts into Redis once (when a queue becomes
 * ready) and from then on calls them by EVALSHA. A Redis that restarted has
 * forgotten them, and every add, finish and stall check then fails with
 * NOSCRIPT until the process restarts. bee-queue 2.0.0 has no hook for this,
 * so we reload them through its own loader whenever a command connection is
 * (re)established.
 */
const beeLua = createRequire(import.meta.url)('bee-queue/lib/lua/index.js') as { buildCache(client: unknown): Promise<unknown> };

interface RedisV3Client {
  on(event: 'ready', listener: () => void): void;
}

class BeeJobQueue<Data, Result> implements JobQueue<Data, Result> {
  private readonly instances = new Map<Role, BeeQueue>();
  private readonly pending = new Map<string, { resolve(v: Result): void; reject(e: unknown): void }>();
  /** Adds waiting for this turn's batch (see add). */
  private adding?: Array<{ spec: JobSpec<Data>; resolve(added: boolean): void; reject(e: unknown): void }>;

  constructor(readonly name: string, private readonly options: BeeQueueDriverOptions) {}

  /** `replies`: a worker publishes each job's result for requesters (see JobQueue.process). */
  private instance(role: Role, replies = true): BeeQueue {
    let q = this.instances.get(role);
    if (q) return q;
    q = new BeeQueue(this.name, {
      prefix: this.options.prefix,
      redis: { url: this.options.redisUrl } as never,
      isWorker: role === 'worker',
      getEvents: role === 'requester',
      activateDelayedJobs: role === 'worker',
      sendEvents: role !== 'worker' || replies,
      storeJobs: false,
      removeOnSuccess: true,
      removeOnFailure: true,
      stallInterval: this.options.stallIntervalMs,
    });
    q.on('error', (err) => this.options.logger.warn({ queue: this.name, role, err: err.message }, 'queue error'));
    const queue = q;
    q.ready().then(() => {
      const client = (queue as unknown as { client?: RedisV3Client }).client;
      client?.on('ready', () => {
        beeLua.buildCache(client).catch((err: Error) => this.options.logger.warn({ queue: this.name, role, err: err.message }, 'reloading queue scripts failed'));
      });
    }, () => {
      // bee-queue keeps a rejected ready() forever: an instance first created while
      // Redis was down would never recover. Producers and requesters are dropped
      // so the next call builds a fresh one; a worker keeps its processor and is
      // left to the process supervisor.
      if (role !== 'worker' && this.instances.get(role) === queue) {
        this.instances.delete(role);
        queue.close(0).catch(() => undefined);
      }
    });
    if (role === 'requester') {
      q.on('job succeeded', (id, result) => this.settle(id, (p) => p.resolve(result as Result)));
      q.on('job failed', (id, err) => this.settle(id, (p) => p.reject(err)));
    }
    this.instances.set(role, q);
    return q;
  }

  private settle(id: string, how: (p: { resolve(v: Result): void; reject(e: unknown): void }) => void): void {
    const p = this.pending.get(id);
    if (!p) return; // another process's request, or one that timed out already
    this.pending.delete(id);
    how(p);
  }

  private build(q: BeeQueue, spec: JobSpec<Data>): BeeQueue.Job<Data> {
    const job = q.createJob(spec.data).retries(spec.retries).timeout(spec.timeoutMs);
    if (spec.id) job.setId(spec.id);
    if (spec.retries > 0) job.backoff(spec.backoffMs > 0 ? 'exponential' : 'immediate', spec.backoffMs > 0 ? spec.backoffMs : undefined as never);
    return job as BeeQueue.Job<Data>;
  }

  /**
   * Adds made in the same turn of the event loop (many runs starting at once)
   * reach Redis as one pipelined saveAll: one write and one round trip for
   * all of them instead of one each. Each caller still learns its own outcome.
   */
  add(spec: JobSpec<Data>): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      if (!this.adding) {
        this.adding = [];
        setImmediate(() => this.flushAdds());
      }
      this.adding.push({ spec, resolve, reject });
    });
  }

  private flushAdds(): void {
    const batch = this.adding ?? [];
    this.adding = undefined;
    let q: BeeQueue;
    const jobs: Array<BeeQueue.Job<Data> | undefined> = [];
    try {
      q = this.instance('producer');
    } catch (err) {
      for (const b of batch) b.reject(err);
      return;
    }
    for (const b of batch) {
      try {
        jobs.push(this.build(q, b.spec));
      } catch (err) {
        jobs.push(undefined);
        b.reject(err);
      }
    }
    const built = jobs.filter((j): j is BeeQueue.Job<Data> => j !== undefined);
    q.saveAll(built).then(
      (errors) => batch.forEach((b, i) => {
        const job = jobs[i];
        if (!job) return;
        const err = errors.get(job);
        // addJob.lua returns nil for an id that exists already: bee-queue then leaves job.id null.
        if (err) b.reject(err);
        else b.resolve(job.id !== null);
      }),
      (err: unknown) => batch.forEach((b, i) => jobs[i] && b.reject(err)),
    );
  }

  async addMany(specs: Array<JobSpec<Data>>): Promise<number> {
    if (specs.length === 0) return 0;
    const q = this.instance('producer');
    const jobs = specs.map((s) => this.build(q, s));
    const errors = await q.saveAll(jobs);
    if (errors.size > 0) throw [...errors.values()][0];
    return jobs.filter((j) => j.id !== null).length;
  }

  request(data: Data, options: { timeoutMs: number }): Promise<Result> {
    const q = this.instance('requester');
    const id = randomUUID();
    return new Promise<Result>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new QueueRequestTimeout(options.timeoutMs));
      }, options.timeoutMs);
      // Registered before the job exists, so even an instant reply finds its caller.
      this.pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.build(q, { id, data, retries: 0, backoffMs: 0, timeoutMs: options.timeoutMs })
        .save()
        .catch((err: unknown) => this.settle(id, (p) => p.reject(err)));
    });
  }

  process(concurrency: number, handler: JobHandler<Data, Result>, options: { replies?: boolean } = {}): void {
    const q = this.instance('worker', options.replies ?? true);
    q.process(concurrency, (job: BeeQueue.Job<Data>) => handler({ id: String(job.id), data: job.data }));
    // Periodic stalled-job check: a job whose worker died returns to waiting after 1-2 intervals.
    q.checkStalledJobs(this.options.stallIntervalMs).catch((err: Error) => this.options.logger.warn({ queue: this.name, err: err.message }, 'stalled-job check failed'));
  }

  async close(timeoutMs = 5000): Promise<void> {
    for (const p of this.pending.values()) p.reject(new Error(`queue ${this.name} closed`));
    this.pending.clear();
    await Promise.all([...this.instances.values()].map((q) => q.close(timeoutMs).catch(() => undefined)));
  }
}

export class BeeQueueDriver implements QueueDriver {
  readonly kind = 'bee-queue' as const;
  private readonly queues = new Map<string, BeeJobQueue<unknown, unknown>>();

  constructor(private readonly options: BeeQueueDriverOptions) {}

  queue<Data, Result = unknown>(name: string): JobQueue<Data, Result> {
    let q = this.queues.get(name);
    if (!q) this.queues.set(name, (q = new BeeJobQueue(name, this.options)));
    return q as unknown as JobQueue<Data, Result>;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
