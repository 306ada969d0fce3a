/**
 * Where the outbox relay runs. With Redis (separate workers) the hub only
 * ingests: an accepted webhook waits in the outbox until a `switchyard
 * worker` process (a real one) relays it, records the sale and starts the
 * mapped pipeline, and the hub's commits wake that relay through Redis.
 * Embedded mode (no Redis) relays in the hub, which the other webhook suites
 * cover.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { forEachDialect } from '../support/databases.js';
import { cleanEnv, startCli, type RunningProcess } from '../support/processes.js';
import { redisUrl, requireRedis } from '../support/services.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { ds24Tenant, echoAgentPath, eventually, ipnBody, payment, postForm } from './support.js';

forEachDialect('webhooks: relay placement', (database) => {
  let hub: TestHub | undefined;
  let worker: RunningProcess | undefined;
  let env: Record<string, string>;

  before(async function () {
    await requireRedis();
    const d = database();
    env = {
      PLUGIN_PATHS: echoAgentPath, REDIS_URL: redisUrl, QUEUE_PREFIX: `sytest-relay-${randomBytes(4).toString('hex')}`,
      // Polls far apart: whatever the relay does within the test, a wake-up made it do.
      WEBHOOKS_RELAY_POLL_MS: '60000', JWT_SECRET: 'test-secret-test-secret-test-secret-0123', DATA_DIR: d.dataDir,
      ...(d.databaseUrl ? { DATABASE_URL: d.databaseUrl } : {}),
    };
    hub = await startTestHub(d, env);
  });
  after(async function () {
    this.timeout(30_000);
    if (worker) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    await hub?.stop();
  });

  it('leaves the outbox to the workers: nothing is relayed until a worker runs, then everything is, once', async function () {
    this.timeout(60_000);
    const slug = `placement-${database().dialect}`;
    const t = await ds24Tenant(hub!, slug);
    const db = hub!.hub.runtime.db;
    for (const i of [1, 2, 3]) {
      const res = await postForm(hub!, `/webhooks/${slug}/digistore24`, ipnBody(payment({ order_id: `PLACE-${i}`, transaction_id: `${9000 + i}` })));
      expect(await res.text()).to.equal('OK');
    }
    // The hub does not relay (and would have been woken by its own commits).
    await new Promise((r) => setTimeout(r, 600));
    const pending = await db('webhook_outbox').where({ tenant_id: t.tenantId }).select('status');
    expect(pending.map((r: { status: string }) => r.status)).to.deep.equal(['pending', 'pending', 'pending']);
    expect(await db('sales').where({ tenant_id: t.tenantId })).to.have.length(0);

    worker = startCli(['worker'], cleanEnv({ ...env, LOG_LEVEL: 'info' }));
    await worker.waitFor((line) => (line.msg === 'worker started' ? true : undefined), 30_000);
    await eventually(async () => (await db('runs').where({ tenant_id: t.tenantId, status: 'completed' })).length === 3, 30_000, 'three pipeline runs completed by the worker');
    expect((await db('webhook_outbox').where({ tenant_id: t.tenantId }).select('status')).map((r: { status: string }) => r.status)).to.deep.equal(['done', 'done', 'done']);
    expect(await db('sales').where({ tenant_id: t.tenantId })).to.have.length(3);

    // A webhook accepted now wakes the worker's relay across processes (its next poll is a minute away).
    const accepted = Date.now();
    const res = await postForm(hub!, `/webhooks/${slug}/digistore24`, ipnBody(payment({ order_id: 'PLACE-4', transaction_id: '9004' })));
    expect(await res.text()).to.equal('OK');
    await eventually(async () => (await db('webhook_outbox').where({ tenant_id: t.tenantId, status: 'done' })).length === 4, 10_000, 'the fourth webhook relayed');
    expect(Date.now() - accepted).to.be.below(5_000);
  });
});
