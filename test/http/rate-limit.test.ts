import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { redisUrl, requireRedis } from '../support/services.js';

async function statuses(h: TestHub, key: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await h.api('/api/v1/sites', { key })).status);
  return out;
}

describe('rate limiting', function () {
  describe('in-process (no REDIS_URL)', function () {
    let database: TestDatabase;
    let h: TestHub;
    before(async function () {
      database = await createTestDatabase('sqlite');
      h = await startTestHub(database, { RATE_LIMIT_PER_KEY: '5' });
    });
    after(async function () {
      await h.stop();
      await database.cleanup();
    });

    it('answers 429 with Retry-After once a key used its budget, other keys unaffected', async function () {
      const { key } = await h.tenant('rl-a');
      const { key: other } = await h.tenant('rl-b');
      expect(await statuses(h, key, 5)).to.deep.equal([200, 200, 200, 200, 200]);
      const limited = await h.api('/api/v1/sites', { key });
      expect(limited.status).to.equal(429);
      expect(Number(limited.headers.get('retry-after'))).to.be.within(1, 60);
      expect((await limited.json()).error.code).to.equal('HUB_ERR_RATE_LIMITED');
      expect((await h.api('/api/v1/sites', { key: other })).status).to.equal(200);
    });

    it('limits per IP before authentication, but never the probes', async function () {
      const database2 = await createTestDatabase('sqlite');
      const h2 = await startTestHub(database2, { RATE_LIMIT_PER_IP: '3' });
      try {
        const codes = [];
        for (let i = 0; i < 4; i++) codes.push((await h2.api('/api/v1/sites')).status);
        expect(codes).to.deep.equal([401, 401, 401, 429]);
        expect((await h2.api('/healthz')).status).to.equal(200);
        expect((await h2.api('/readyz')).status).to.equal(200);
      } finally {
        await h2.stop();
        await database2.cleanup();
      }
    });
  });

  describe('on Redis, shared by two hub processes', function () {
    let database: TestDatabase;
    let h1: TestHub;
    let h2: TestHub;
    before(async function () {
      await requireRedis();
      database = await createTestDatabase('postgresql');
      // A fresh key space per run: the limiter keys are derived from the principal, which is new each run.
      h1 = await startTestHub(database, { REDIS_URL: redisUrl, RATE_LIMIT_PER_KEY: '6' });
      h2 = await startTestHub(database, { REDIS_URL: redisUrl, RATE_LIMIT_PER_KEY: '6' });
    });
    after(async function () {
      await h1.stop();
      await h2.stop();
      await database.cleanup();
    });

    it('counts requests to either hub against one budget', async function () {
      const { key } = await h1.tenant(`rl-${randomBytes(4).toString('hex')}`);
      const codes = [...(await statuses(h1, key, 3)), ...(await statuses(h2, key, 3))];
      expect(codes).to.deep.equal([200, 200, 200, 200, 200, 200]);
      expect((await h1.api('/api/v1/sites', { key })).status).to.equal(429);
      expect((await h2.api('/api/v1/sites', { key })).status).to.equal(429);
    });

    it('keeps the budgets of deployments with different QUEUE_PREFIX apart', async function () {
      // Per-IP budgets: every request here comes from 127.0.0.1, so only the prefix can separate them.
      const run = randomBytes(4).toString('hex');
      const a = await startTestHub(database, { REDIS_URL: redisUrl, QUEUE_PREFIX: `rl-a-${run}`, RATE_LIMIT_PER_IP: '2' });
      const b = await startTestHub(database, { REDIS_URL: redisUrl, QUEUE_PREFIX: `rl-b-${run}`, RATE_LIMIT_PER_IP: '2' });
      try {
        const codes = async (h: TestHub) => [(await h.api('/api/v1/sites')).status, (await h.api('/api/v1/sites')).status, (await h.api('/api/v1/sites')).status];
        expect(await codes(a)).to.deep.equal([401, 401, 429]);
        expect(await codes(b)).to.deep.equal([401, 401, 429]);
      } finally {
        await a.stop();
        await b.stop();
      }
    });

    it('readiness lists Redis', async function () {
      const body = await (await fetch(`${h1.url}/readyz`)).json();
      expect(body.dependencies.map((d: { name: string }) => d.name)).to.include('redis');
      expect(body.dependencies.find((d: { name: string }) => d.name === 'redis').status).to.equal('ok');
    });
  });
});
