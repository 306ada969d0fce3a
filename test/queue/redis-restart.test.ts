/**
 * bee-queue loads its Lua scripts once per connection; a Redis that restarted
 * has forgotten them (NOSCRIPT), and a queue first used while Redis was down
 * keeps a rejected ready() forever. The driver must recover from both.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { BeeQueueDriver } from '../../core/queue/bee-queue-driver.js';
import { createLogger } from '../../core/logger.js';
import { freePort, startRedis, stopRedis } from '../support/private-redis.js';

async function eventuallyAdds(add: () => Promise<boolean>, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await add();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`the queue never accepted a job again: ${(last as Error)?.message}`);
}

describe('bee-queue driver across Redis restarts', function () {
  this.timeout(60_000);
  let port: number;
  let redis: ChildProcess | undefined;
  let driver: BeeQueueDriver | undefined;

  beforeEach(async function () {
    port = await freePort();
  });
  afterEach(async function () {
    await driver?.close();
    if (redis) await stopRedis(redis);
    driver = undefined;
    redis = undefined;
  });

  const newDriver = () =>
    new BeeQueueDriver({ redisUrl: `redis://127.0.0.1:${port}`, prefix: `sytest-rr-${randomBytes(4).toString('hex')}`, stallIntervalMs: 1000, logger: createLogger('silent') });

  it('enqueues again after Redis restarted empty (scripts reloaded)', async function () {
    redis = await startRedis(port);
    driver = newDriver();
    const queue = driver.queue<{ n: number }>('jobs');
    expect(await queue.add({ id: 'a', data: { n: 1 }, retries: 0, backoffMs: 0, timeoutMs: 1000 })).to.equal(true);
    await stopRedis(redis);
    redis = await startRedis(port);
    expect(await eventuallyAdds(() => queue.add({ id: 'b', data: { n: 2 }, retries: 0, backoffMs: 0, timeoutMs: 1000 }))).to.equal(true);
  });

  it('a queue first used while Redis was down works once Redis is up', async function () {
    driver = newDriver();
    const queue = driver.queue<{ n: number }>('jobs');
    const early = await queue.add({ id: 'early', data: { n: 0 }, retries: 0, backoffMs: 0, timeoutMs: 1000 }).then(() => 'added', (err: Error) => err.message);
    expect(early).to.not.equal('added');
    redis = await startRedis(port);
    expect(await eventuallyAdds(() => queue.add({ id: 'late', data: { n: 1 }, retries: 0, backoffMs: 0, timeoutMs: 1000 }))).to.equal(true);
  });
});
