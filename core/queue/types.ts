/**
 * One interface for both queue drivers: bee-queue on Redis (REDIS_URL set)
 * and an in-process driver (embedded mode). Semantics the hub relies on, kept
 * identical in both:
 * - a job with an explicit id is added at most once while it is waiting or
 *   active: a duplicate add is a no-op and returns false;
 * - a finished job (succeeded or failed for good) is removed, so the same id
 *   can be added again later (a resumed run gets a new id anyway);
 * - a handler that throws is retried `retries` times with exponential backoff;
 * - a handler that runs past `timeoutMs` counts as failed (the work itself is
 *   not interrupted: handlers must stop on their own);
 * - `request` adds a job and resolves with the handler's return value, or
 *   rejects with QueueRequestTimeout after `timeoutMs`.
 */

export interface JobSpec<Data> {
  /** Deduplication key; generated when absent. */
  id?: string;
  data: Data;
  /** Further attempts after a failure. */
  retries: number;
  /** First retry delay; doubles on each retry. */
  backoffMs: number;
  timeoutMs: number;
}

export interface Job<Data> {
  id: string;
  data: Data;
}

export type JobHandler<Data, Result> = (job: Job<Data>) => Promise<Result>;

export interface JobQueue<Data, Result = unknown> {
  readonly name: string;
  /** Adds a job; false when a job with the same id is waiting or active already. */
  add(job: JobSpec<Data>): Promise<boolean>;
  /** Adds many jobs in one round trip where the driver can; returns how many were new. */
  addMany(jobs: Array<JobSpec<Data>>): Promise<number>;
  /** Adds a job and waits for its handler's result. */
  request(data: Data, options: { timeoutMs: number }): Promise<Result>;
  /**
   * Starts consuming jobs in this process. `replies: false` when nobody awaits
   * this queue's results (no `request` on it): the driver may then skip
   * announcing each result (bee-queue: a PUBLISH per finished job).
   */
  process(concurrency: number, handler: JobHandler<Data, Result>, options?: { replies?: boolean }): void;
  /** Stops taking jobs and waits (bounded) for active ones. */
  close(timeoutMs?: number): Promise<void>;
}

export interface QueueDriver {
  readonly kind: 'bee-queue' | 'in-process';
  queue<Data, Result = unknown>(name: string): JobQueue<Data, Result>;
  /** Closes every queue this driver opened. */
  close(): Promise<void>;
}

export class QueueRequestTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no reply within ${timeoutMs} ms`);
    this.name = 'QueueRequestTimeout';
  }
}
