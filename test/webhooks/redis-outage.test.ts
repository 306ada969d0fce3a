/**
 * Acceptance 3: with Redis stopped, 500 valid webhooks are acknowledged and
 * stored; after Redis is started again every one of them runs its pipeline
 * exactly once. Uses its own redis-server on a free port (never the shared
 * one), stopped and started for real.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { forEachDialect, tempDir } from '../support/databases.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { freePort, startRedis, stopRedis } from '../support/private-redis.js';
import { ds24Tenant, echoAgentPath, eventually, ipnBody, payment, postForm } from './support.js';

forEachDialect('webhooks: Redis outage (acceptance 3)', (database) => {
  let hub: TestHub | undefined;
  let redis: ChildProcess | undefined;
  let port: number;
  const logDir = tempDir('wh-outage');

  before(async function () {
    this.timeout(60_000);
    port = await freePort();
    redis = await startRedis(port);
    hub = await startTestHub(database(), {
      PLUGIN_PATHS: echoAgentPath, REDIS_URL: `redis://127.0.0.1:${port}`, QUEUE_PREFIX: `sytest-wh-${randomBytes(4).toString('hex')}`,
      RUN_WORKER_IN_HUB: 'on', RUN_SWEEP_INTERVAL_MS: '500', RUN_LEASE_MS: '3000', RUN_HEARTBEAT_MS: '300', WORKER_CONCURRENCY: '50',
      WEBHOOKS_RELAY_POLL_MS: '200', WEBHOOKS_RELAY_MAX_BACKOFF_MS: '500', RATE_LIMIT_PER_IP: '100000', ...(process.env.WH_LOG ? { LOG_LEVEL: process.env.WH_LOG } : {}),
    });
  });
  after(async function () {
    this.timeout(30_000);
    await hub?.stop();
    if (redis) await stopRedis(redis);
    fs.rmSync(logDir, { recursive: true, force: true });
  });

  it('accepts and stores 500 webhooks while Redis is down, then runs all 500 pipelines exactly once', async function () {
    this.timeout(120_000);
    const t = await ds24Tenant(hub!, `outage-${database().dialect}`, { logDir });
    const db = hub!.hub.runtime.db;
    // Normal operation first: one sale runs its pipeline while Redis is up.
    const warm = await postForm(hub!, `/webhooks/outage-${database().dialect}/digistore24`, ipnBody(payment({ order_id: 'WARM-UP', transaction_id: '99' })));
    expect(await warm.text()).to.equal('OK');
    await eventually(async () => (await db('runs').where({ tenant_id: t.tenantId, status: 'completed' })).length === 1, 20_000, 'warm-up run');

    const warmKey = (await db('runs').where({ tenant_id: t.tenantId }).first()).idempotency_key;
    await stopRedis(redis!);
    redis = undefined;

    const total = Number(process.env.WH_OUTAGE_TOTAL ?? 500);
    const statuses: number[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: 20 }, async () => {
      while (next < total) {
        const i = next++;
        const res = await postForm(hub!, `/webhooks/outage-${database().dialect}/digistore24`, ipnBody(payment({ order_id: `OUT-${i}`, transaction_id: String(100_000 + i) })));
        statuses.push(res.status);
        await res.text();
      }
    }));
    expect(statuses.filter((s) => s === 200)).to.have.length(total);
    expect(Number((await db('webhook_events').where({ tenant_id: t.tenantId }).count({ c: '*' }))[0].c)).to.equal(total + 1);

    redis = await startRedis(port);
    let state = '';
    await eventually(async () => {
      const rows = await db('runs').where({ tenant_id: t.tenantId, pipeline_id: t.pipelineId }).whereNot({ idempotency_key: warmKey }).select('status');
      const outbox = await db('webhook_outbox').where({ tenant_id: t.tenantId }).select('status', 'last_error', 'attempts');
      const tally = (xs: string[]) => JSON.stringify(xs.reduce<Record<string, number>>((m, x) => ({ ...m, [x]: (m[x] ?? 0) + 1 }), {}));
      state = `runs ${tally(rows.map((r: { status: string }) => r.status))}, outbox ${tally(outbox.map((o: { status: string }) => o.status))}, last error ${outbox.find((o: { last_error: string | null }) => o.last_error)?.last_error ?? 'none'}`;
      if (process.env.WH_DEBUG) console.log(state);
      return rows.length === total && rows.every((r: { status: string }) => r.status === 'completed');
    }, 40_000, 'all runs completed').catch((err) => {
      throw new Error(`${(err as Error).message}; ${state}`);
    });

    const runs = await db('runs').where({ tenant_id: t.tenantId, pipeline_id: t.pipelineId }).whereNot({ idempotency_key: warmKey }).select('id', 'idempotency_key');
    expect(new Set(runs.map((r: { idempotency_key: string }) => r.idempotency_key)).size).to.equal(total);
    const links = await db('webhook_event_runs').where({ tenant_id: t.tenantId }).select('run_id');
    expect(new Set(links.map((l: { run_id: string }) => l.run_id)).size).to.equal(total + 1);
    const executions = fs.readFileSync(path.join(logDir, 'executions.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { runId: string; input: { order: string } });
    expect(executions).to.have.length(total + 1);
    expect(new Set(executions.map((e) => e.runId)).size).to.equal(total + 1);
    expect(new Set(executions.map((e) => e.input.order)).size).to.equal(total + 1);
    expect(Number((await db('webhook_outbox').where({ tenant_id: t.tenantId, status: 'pending' }).count({ c: '*' }))[0].c)).to.equal(0);
  });
});
