/**
 * The two queue drivers behind one interface, held to the same semantics:
 * dedupe by job id, removal when done (the id is reusable), retries with
 * backoff, job timeout, request/reply and request timeout. bee-queue runs
 * against real Redis with a unique key prefix per run.
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { BeeQueueDriver } from '../../core/queue/bee-queue-driver.js';
import { InProcessDriver } from '../../core/queue/in-process-driver.js';
import { QueueRequestTimeout, type QueueDriver } from '../../core/queue/types.js';
import { createLogger } from '../../core/logger.js';
import { redisUrl, requireRedis } from '../support/services.js';
import { uniquePrefix } from '../pipelines/support.js';

const drivers: Array<{ name: string; make(prefix: string): QueueDriver }> = [
  { name: 'in-process', make: () => new InProcessDriver() },
  { name: 'bee-queue', make: (prefix) => new BeeQueueDriver({ redisUrl, prefix, stallIntervalMs: 1000, logger: createLogger('silent') }) },
];

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const spec = <D>(data: D, id?: string) => ({ id, data, retries: 0, backoffMs: 0, timeoutMs: 5000 });

for (const { name, make } of drivers) {
  describe(`queue driver [${name}]`, function () {
    let driver: QueueDriver;
    let prefix: string;

    before(async function () {
      if (name === 'bee-queue') await requireRedis();
    });
    beforeEach(function () {
      prefix = uniquePrefix('q');
      driver = make(prefix);
    });
    afterEach(async function () {
      await driver.close();
      if (name === 'bee-queue') {
        const redis = new Redis(redisUrl);
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length) await redis.del(...keys);
        await redis.quit();
      }
    });

    it('adds a job id once while it waits or runs; a duplicate add is a no-op', async function () {
      const q = driver.queue<{ n: number }>('dedupe');
      const gate = deferred();
      const seen: number[] = [];
      expect(await q.add(spec({ n: 1 }, 'job-1'))).to.equal(true);
      expect(await q.add(spec({ n: 2 }, 'job-1'))).to.equal(false);
      q.process(2, async (job) => {
        seen.push(job.data.n);
        await gate.promise;
      });
      await waitUntil(() => seen.length === 1);
      expect(await q.add(spec({ n: 3 }, 'job-1')), 'still active').to.equal(false);
      expect(await q.addMany([spec({ n: 4 }, 'job-1'), spec({ n: 5 }, 'job-2')])).to.equal(1);
      gate.resolve();
      await waitUntil(() => seen.length === 2);
      expect(seen).to.deep.equal([1, 5]);
      // Finished jobs are removed, so the id can be used again.
      await waitUntil(async () => (await q.add(spec({ n: 6 }, 'job-1'))) === true);
      await waitUntil(() => seen.includes(6));
    });

    it('adds made at the same moment each get their own outcome, duplicates within them included', async function () {
      const q = driver.queue<{ n: number }>('burst');
      const seen: number[] = [];
      const outcomes = await Promise.all([
        q.add(spec({ n: 1 }, 'burst-a')),
        q.add(spec({ n: 2 }, 'burst-b')),
        q.add(spec({ n: 3 }, 'burst-a')),
        q.add(spec({ n: 4 }, 'burst-c')),
      ]);
      expect(outcomes).to.deep.equal([true, true, false, true]);
      q.process(4, async (job) => {
        seen.push(job.data.n);
      });
      await waitUntil(() => seen.length === 3);
      expect(seen.sort()).to.deep.equal([1, 2, 4]);
    });

    it('retries a failing job with backoff, then gives up', async function () {
      const q = driver.queue<{ id: string }>('retries');
      const attempts: number[] = [];
      q.process(1, async () => {
        attempts.push(Date.now());
        throw new Error('boom');
      });
      await q.add({ id: 'r1', data: { id: 'r1' }, retries: 2, backoffMs: 50, timeoutMs: 1000 });
      await waitUntil(() => attempts.length === 3);
      expect(attempts[1] - attempts[0]).to.be.at.least(40);
      await new Promise((r) => setTimeout(r, 400));
      expect(attempts).to.have.length(3);
    });

    it('counts a job past its timeout as failed and retries it', async function () {
      const q = driver.queue<{ id: string }>('timeouts');
      let calls = 0;
      q.process(2, async () => {
        calls += 1;
        if (calls === 1) await new Promise(() => undefined);
      });
      await q.add({ id: 't1', data: { id: 't1' }, retries: 1, backoffMs: 10, timeoutMs: 100 });
      await waitUntil(() => calls === 2);
    });

    it('request resolves with the handler result and rejects on handler failure', async function () {
      const q = driver.queue<{ a: number; fail?: boolean }, { sum: number }>('req');
      q.process(4, async (job) => {
        if (job.data.fail) throw new Error('bad request');
        return { sum: job.data.a + 1 };
      });
      const replies = await Promise.all([1, 2, 3].map((a) => q.request({ a }, { timeoutMs: 5000 })));
      expect(replies).to.deep.equal([{ sum: 2 }, { sum: 3 }, { sum: 4 }]);
      let error: unknown;
      await q.request({ a: 1, fail: true }, { timeoutMs: 5000 }).catch((e) => (error = e));
      expect((error as Error).message).to.contain('bad request');
    });

    it('request rejects with QueueRequestTimeout when nobody replies in time', async function () {
      const q = driver.queue<{ a: number }>('silent');
      q.process(1, () => new Promise(() => undefined));
      let error: unknown;
      const started = Date.now();
      await q.request({ a: 1 }, { timeoutMs: 200 }).catch((e) => (error = e));
      expect(error).to.be.instanceOf(QueueRequestTimeout);
      expect(Date.now() - started).to.be.at.least(190);
    });
  });
}

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
