/**
 * Natural batching of independent writes into one statement (PostgreSQL).
 *
 * Many runs make progress at the same time; each of their state changes is a
 * small statement whose cost is mostly the round trip (socket write, wake-up
 * of a backend, commit). The batcher sends what arrived while earlier
 * batches were in flight as ONE statement: no timer, no added latency when
 * the hub is idle (a lone write goes out on the next turn of the event loop),
 * and batches grow with load. Every caller still gets its own result only
 * after the statement that contains its write has committed.
 *
 * - Items with the same key (a run id) never share a batch: a statement
 *   cannot update one row twice.
 * - A failed batch of several items is retried item by item, so one bad
 *   item cannot fail the others; a deadlock (40P01, e.g. with another
 *   process's batch locking the same runs in another order) is retried as a whole.
 */

interface Entry<T, R> {
  item: T;
  resolve(r: R): void;
  reject(e: unknown): void;
}

interface Batch<T, R> {
  entries: Array<Entry<T, R>>;
  keys: Set<string>;
}

export interface BatcherOptions<T, R> {
  /** Runs one statement for all items; returns one result per item, in order. */
  run(items: T[]): Promise<R[]>;
  key(item: T): string;
  /** Statements of this batcher in flight at once (bounded by the connection pool). */
  maxInflight: number;
  maxBatch: number;
}

const isDeadlock = (err: unknown) => (err as { code?: string })?.code === '40P01';

export class WriteBatcher<T, R> {
  private readonly queue: Array<Batch<T, R>> = [];
  private inflight = 0;
  private scheduled = false;

  constructor(private readonly options: BatcherOptions<T, R>) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const key = this.options.key(item);
      let batch = this.queue.at(-1);
      if (!batch || batch.keys.has(key) || batch.entries.length >= this.options.maxBatch) this.queue.push((batch = { entries: [], keys: new Set() }));
      batch.entries.push({ item, resolve, reject });
      batch.keys.add(key);
      if (!this.scheduled) {
        this.scheduled = true;
        // Lets writes made in the same turn of the event loop join the batch.
        setImmediate(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  private pump(): void {
    while (this.inflight < this.options.maxInflight && this.queue.length > 0) {
      const batch = this.queue.shift()!;
      this.inflight++;
      void this.send(batch.entries).finally(() => {
        this.inflight--;
        this.pump();
      });
    }
  }

  private async send(entries: Array<Entry<T, R>>): Promise<void> {
    const items = entries.map((e) => e.item);
    for (let attempt = 1; ; attempt++) {
      try {
        const results = await this.options.run(items);
        entries.forEach((e, i) => e.resolve(results[i]));
        return;
      } catch (err) {
        if (isDeadlock(err) && attempt < 3) continue;
        if (entries.length === 1) {
          entries[0].reject(err);
          return;
        }
        break;
      }
    }
    await Promise.all(entries.map((e) => this.send([e])));
  }
}

/** The batchers of one database handle, by slot (one per kind of statement). */
const shared = new WeakMap<object, Map<string, unknown>>();

/**
 * The batcher of `slot` for this database handle, created on first use from
 * `options()` (called once: hot callers build no closures per write; never
 * pass a transaction: its statements must stay in it). At most `poolShare`
 * of the connection pool (e.g. 1/4) runs its statements at once, so that
 * reads and other writers always find a connection.
 */
export function sharedBatcher<T, R>(
  db: { client: { config: unknown } },
  slot: string,
  options: () => Omit<BatcherOptions<T, R>, 'maxInflight'> & { poolShare: number },
): WriteBatcher<T, R> {
  let slots = shared.get(db);
  if (!slots) shared.set(db, (slots = new Map()));
  let batcher = slots.get(slot) as WriteBatcher<T, R> | undefined;
  if (!batcher) {
    const poolMax = (db.client.config as { pool?: { max?: number } }).pool?.max ?? 10;
    const { poolShare, ...rest } = options();
    batcher = new WriteBatcher<T, R>({ ...rest, maxInflight: Math.max(1, Math.floor(poolMax * poolShare)) });
    slots.set(slot, batcher);
  }
  return batcher;
}
