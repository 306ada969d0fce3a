/**
 * Runs end to end through the HTTP API, the queue, the orchestrator and the
 * fixture agents (loaded by the plugin registry), on both storage/queue
 * combinations: SQLite + in-process queue, PostgreSQL + bee-queue on Redis.
 * Executions are counted from the fixture agents' durable log.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { createTestDatabase, tempDir, type TestDatabase } from '../support/databases.js';
import type { TestHub } from '../support/test-hub.js';
import type { HubEvent } from '../../core/events.js';
import { readExecutions } from '../fixtures/agents/execution-log.js';
import { createPipeline, fiveStagePipeline, json, startPipelineHub, waitForRun, type Driver } from './support.js';

const combos: Array<{ dialect: 'sqlite' | 'postgresql'; driver: Driver }> = [
  { dialect: 'sqlite', driver: 'in-process' },
  { dialect: 'postgresql', driver: 'bee-queue' },
];

const expectedFiveStageOutput = {
  reply: { article: { sections: ['1. shoes review', '2. best shoes', '3. shoes deals'], title: 'All about shoes' }, site: 'site-1' },
};

for (const { dialect, driver } of combos) {
  describe(`pipeline runs [${dialect} + ${driver}]`, function () {
    let db: TestDatabase;
    let hub: TestHub;
    let key: string;
    let otherKey: string;
    let logDir: string;
    const events: HubEvent[] = [];

    before(async function () {
      db = await createTestDatabase(dialect);
      hub = await startPipelineHub(db, driver);
      hub.hub.runtime.bus.subscribe((e) => events.push(e));
      key = (await hub.tenant('acme')).key;
      otherKey = (await hub.tenant('other')).key;
    });
    after(async function () {
      await hub?.stop();
      await db?.cleanup();
    });
    beforeEach(function () {
      logDir = tempDir('runlog');
    });
    afterEach(function () {
      fs.rmSync(logDir, { recursive: true, force: true });
    });

    const start = async (pipelineId: string, body: unknown, headers: Record<string, string> = {}, status = 201) =>
      json(await hub.api(`/api/v1/pipelines/${pipelineId}/runs`, { method: 'POST', key, json: body, headers }), status);
    const executions = (runId: string, stage?: string) => readExecutions(logDir).filter((e) => e.runId === runId && (!stage || e.stage === stage));
    /** The capabilities recorded for a run's stage once `count` of them match (an agent's abort lands on its own clock), or what is there after 5 s. */
    const recordedOnce = async (runId: string, stage: string, capability: string, count: number) => {
      const matching = () => executions(runId, stage).filter((e) => e.capability === capability);
      for (let i = 0; i < 100 && matching().length < count; i++) await new Promise((r) => setTimeout(r, 50));
      return matching();
    };

    it('completes a 5-stage pipeline with a parallel branch; outputs flow between stages', async function () {
      const pipeline = await createPipeline(hub, key, fiveStagePipeline());
      const run = await start(pipeline.id, { input: { topic: 'shoes', logDir }, siteId: 'site-1' });
      expect(run.status).to.be.oneOf(['queued', 'running', 'completed']);
      const done = await waitForRun(hub, key, run.id);
      expect(done.status).to.equal('completed');
      expect(done.output).to.deep.equal(expectedFiveStageOutput);
      expect(done.stages.map((s: { name: string; status: string; attempts: number }) => [s.name, s.status, s.attempts])).to.deep.equal([
        ['research', 'completed', 1], ['outline', 'completed', 1], ['draft', 'completed', 1], ['merge', 'completed', 1], ['publish', 'completed', 1],
      ]);
      expect(done.stages[1].output).to.deep.equal({ sections: ['1. shoes review', '2. best shoes', '3. shoes deals'] });
      for (const s of done.stages) expect(s.durationMs).to.be.a('number');
      // Each stage ran exactly once.
      expect(executions(run.id).map((e) => e.stage).sort()).to.deep.equal(['draft', 'merge', 'outline', 'publish', 'research']);
      // Agent messages: the research progress and publish's request and reply.
      expect(done.messages.map((m: { data: { kind: string } }) => m.data.kind)).to.include.members(['emit', 'request', 'reply']);

      // Stored events: contiguous seq, the DAG order, published on the bus with the same seq.
      const stored = await json(await hub.api(`/api/v1/runs/${run.id}/events?limit=1000`, { key }), 200);
      expect(stored.items.map((e: { seq: number }) => e.seq)).to.deep.equal(stored.items.map((_: unknown, i: number) => i + 1));
      const names = stored.items.map((e: { name: string; data: { stage?: string } }) => `${e.name}${e.data.stage ? `:${e.data.stage}` : ''}`);
      expect(names[0]).to.equal('run.queued');
      expect(names[1]).to.equal('run.started');
      expect(names.at(-1)).to.equal('run.completed');
      expect(names.indexOf('stage.started:merge')).to.be.greaterThan(Math.max(names.indexOf('stage.completed:outline'), names.indexOf('stage.completed:draft')));
      expect(names.indexOf('stage.started:outline')).to.be.greaterThan(names.indexOf('stage.completed:research'));
      const published = events.filter((e) => e.runId === run.id).map((e) => [e.seq, e.name]);
      expect(published).to.deep.equal(stored.items.map((e: { seq: number; name: string }) => [e.seq, e.name]));
      expect(events.find((e) => e.runId === run.id)?.siteId).to.equal('site-1');

      const after = await json(await hub.api(`/api/v1/runs/${run.id}/events?after=${stored.items.length - 1}`, { key }), 200);
      expect(after.items.map((e: { name: string }) => e.name)).to.deep.equal(['run.completed']);
    });

    it('fails a stage whose request gets no reply after timeoutMs, retries per policy, and continues with onError: continue', async function () {
      const pipeline = await createPipeline(hub, key, {
        name: 'timeouts',
        stages: [
          { name: 'ask', agent: 'fx-requester', task: { capability: 'ask', input: { agent: 'fx-silent', capability: 'hang', input: { logDir }, timeoutMs: 300, logDir } }, retry: { attempts: 2, backoffMs: 20, jitter: false }, onError: 'continue' },
          { name: 'flaky', agent: 'fx-tools', task: { capability: 'flaky', input: { succeedOnAttempt: 3 } }, retry: { attempts: 3, backoffMs: 10 } },
          { name: 'after', agent: 'fx-tools', needs: ['ask', 'flaky'], task: { capability: 'merge', input: { asked: { $ref: 'stages.ask.output.reply' }, flaky: { $ref: 'stages.flaky.output' } } } },
        ],
      });
      const run = await start(pipeline.id, { input: {} });
      const done = await waitForRun(hub, key, run.id);
      expect(done.status).to.equal('completed');
      const [ask, flaky, after] = done.stages;
      expect(ask).to.include({ status: 'failed', attempts: 2 });
      expect(ask.error).to.include({ code: 'HUB_ERR_AGENT_TIMEOUT' });
      expect(ask.error.message).to.contain('fx-silent did not reply within 300 ms');
      expect(executions(run.id, 'ask').filter((e) => e.capability === 'ask')).to.have.length(2);
      // The asked agent's ctx.signal was aborted when the requester stopped waiting, once per attempt.
      expect(await recordedOnce(run.id, 'ask', 'hang:aborted:HUB_ERR_AGENT_TIMEOUT', 2)).to.have.length(2);
      expect(flaky).to.include({ status: 'completed', attempts: 3 });
      expect(after.output).to.deep.equal({ asked: null, flaky: { ok: true, attempt: 3 } });
      expect(done.messages.filter((m: { data: { kind: string } }) => m.data.kind === 'timeout')).to.have.length(2);
    });

    it('fails the run when a stage exceeds its own timeoutMs (onError: fail) and skips what depends on it', async function () {
      const pipeline = await createPipeline(hub, key, {
        name: 'stage timeout',
        stages: [
          { name: 'hang', agent: 'fx-silent', task: { capability: 'hang', input: { logDir } }, timeoutMs: 200 },
          { name: 'never', agent: 'fx-tools', needs: ['hang'], task: { capability: 'noop' } },
        ],
      });
      const done = await waitForRun(hub, key, (await start(pipeline.id, {})).id);
      expect(done.status).to.equal('failed');
      expect(done.error).to.include({ code: 'HUB_ERR_STAGE_TIMEOUT', stage: 'hang' });
      expect(executions(done.id, 'hang').map((e) => e.capability), "the agent's ctx.signal says why").to.deep.equal(['hang:aborted:HUB_ERR_STAGE_TIMEOUT']);
      expect(done.stages.map((s: { status: string }) => s.status)).to.deep.equal(['failed', 'skipped']);
    });

    it('resumes a run failed at stage 3 of 5 once the cause is fixed, without re-running stages 1-2', async function () {
      const cause = path.join(logDir, 'broken');
      fs.writeFileSync(cause, 'x');
      const stage = (name: string, needs: string[], capability = 'merge', input: Record<string, unknown> = {}) => ({ name, agent: 'fx-tools', needs, task: { capability, input: { logDir, ...input } } });
      const pipeline = await createPipeline(hub, key, {
        name: 'resume',
        stages: [stage('s1', []), stage('s2', ['s1']), stage('s3', ['s2'], 'fail_if', { failWhileExists: cause }), stage('s4', ['s3']), stage('s5', ['s4'])],
      });
      const run = await start(pipeline.id, {});
      const failed = await waitForRun(hub, key, run.id);
      expect(failed.status).to.equal('failed');
      expect(failed.error).to.include({ code: 'FX_BROKEN', stage: 's3' });
      expect(failed.stages.map((s: { status: string }) => s.status)).to.deep.equal(['completed', 'completed', 'failed', 'skipped', 'skipped']);

      await json(await hub.api(`/api/v1/runs/${run.id}/resume`, { method: 'POST', key: otherKey }), 404);
      fs.rmSync(cause);
      const resumed = await json(await hub.api(`/api/v1/runs/${run.id}/resume`, { method: 'POST', key }), 202);
      expect(resumed.generation).to.equal(1);
      const done = await waitForRun(hub, key, run.id);
      expect(done.status).to.equal('completed');
      const count = (s: string) => executions(run.id, s).length;
      expect([count('s1'), count('s2'), count('s3'), count('s4'), count('s5')]).to.deep.equal([1, 1, 2, 1, 1]);
      await json(await hub.api(`/api/v1/runs/${run.id}/resume`, { method: 'POST', key }), 409);
    });

    it('honours Idempotency-Key: the same key gives the same run and no second enqueue', async function () {
      const pipeline = await createPipeline(hub, key, { name: 'idem', stages: [{ name: 'a', agent: 'fx-tools', task: { capability: 'merge', input: { logDir } } }] });
      const first = await start(pipeline.id, { input: {} }, { 'idempotency-key': 'order-42' });
      const second = await start(pipeline.id, { input: {} }, { 'idempotency-key': 'order-42' }, 200);
      expect(second.id).to.equal(first.id);
      const racing = await Promise.all([1, 2, 3, 4].map(() => hub.api(`/api/v1/pipelines/${pipeline.id}/runs`, { method: 'POST', key, json: {}, headers: { 'idempotency-key': 'order-43' } })));
      const ids = new Set(await Promise.all(racing.map(async (r) => (await r.json()).id)));
      expect(ids.size).to.equal(1);
      expect(racing.filter((r) => r.status === 201)).to.have.length(1);
      await waitForRun(hub, key, first.id);
      await waitForRun(hub, key, [...ids][0] as string);
      const list = await json(await hub.api(`/api/v1/runs?pipelineId=${pipeline.id}`, { key }), 200);
      expect(list.total).to.equal(2);
      expect(readExecutions(logDir)).to.have.length(2);

      const other = await createPipeline(hub, key, { name: 'idem2', stages: [{ name: 'a', agent: 'fx-tools', task: { capability: 'noop' } }] });
      const conflict = await json(await hub.api(`/api/v1/pipelines/${other.id}/runs`, { method: 'POST', key, json: {}, headers: { 'idempotency-key': 'order-42' } }), 409);
      expect(conflict.error.code).to.equal('HUB_ERR_IDEMPOTENCY_MISMATCH');
      await json(await hub.api(`/api/v1/pipelines/${pipeline.id}/runs`, { method: 'POST', key, json: {}, headers: { 'idempotency-key': 'x'.repeat(300) } }), 400);
    });

    it('cancels a running run: no further stage starts and the run stays cancelled', async function () {
      const pipeline = await createPipeline(hub, key, {
        name: 'cancel',
        stages: [
          { name: 'slow', agent: 'fx-research', task: { capability: 'research', input: { topic: 't', sleepMs: 1500, logDir } } },
          { name: 'next', agent: 'fx-tools', needs: ['slow'], task: { capability: 'merge', input: { logDir } } },
        ],
      });
      const run = await start(pipeline.id, {});
      await waitForRun(hub, key, run.id, (r) => r.stages[0].status === 'running');
      await json(await hub.api(`/api/v1/runs/${run.id}/cancel`, { method: 'POST', key: otherKey }), 404);
      const cancelled = await json(await hub.api(`/api/v1/runs/${run.id}/cancel`, { method: 'POST', key }), 200);
      expect(cancelled.status).to.equal('cancelled');
      expect(cancelled.stages.map((s: { status: string }) => s.status)).to.deep.equal(['cancelled', 'cancelled']);
      // Past the point where the first stage would have finished and the second started:
      await new Promise((r) => setTimeout(r, 2000));
      const later = await json(await hub.api(`/api/v1/runs/${run.id}`, { key }), 200);
      expect(later.status).to.equal('cancelled');
      expect(later.stages.map((s: { status: string }) => s.status)).to.deep.equal(['cancelled', 'cancelled']);
      expect(executions(run.id, 'next')).to.have.length(0);
      // The agent saw its ctx.signal abort and stopped, instead of sleeping on for nobody.
      expect(await recordedOnce(run.id, 'slow', 'research:aborted', 1)).to.have.length(1);
      expect(executions(run.id, 'slow').map((e) => e.capability)).to.deep.equal(['research', 'research:aborted']);
      expect(events.some((e) => e.runId === run.id && e.name === 'run.cancelled')).to.equal(true);
      await json(await hub.api(`/api/v1/runs/${run.id}/cancel`, { method: 'POST', key }), 409);
    });

    it('bulk-starts runs under a batch id and never runs more than the per-site limit at once', async function () {
      const pipeline = await createPipeline(hub, key, {
        name: 'bulk',
        concurrency: { perSite: 1 },
        stages: [{ name: 'work', agent: 'fx-research', task: { capability: 'research', input: { topic: { $ref: 'input.topic' }, sleepMs: 100 } } }],
      });
      const items = [1, 2, 3, 4].map((i) => ({ input: { topic: `t${i}` }, siteId: 'site-a' })).concat([{ input: { topic: 'b' }, siteId: 'site-b' }]);
      const batch = await json(await hub.api(`/api/v1/pipelines/${pipeline.id}/runs:bulk`, { method: 'POST', key, json: { items } }), 202);
      expect(batch.total).to.equal(5);
      let progress = batch;
      for (let i = 0; i < 200 && progress.counts.completed < 5; i++) {
        await new Promise((r) => setTimeout(r, 100));
        progress = await json(await hub.api(`/api/v1/batches/${batch.id}`, { key }), 200);
      }
      expect(progress.counts).to.deep.include({ completed: 5, failed: 0, queued: 0, running: 0 });
      const runs = (await json(await hub.api(`/api/v1/runs?batchId=${batch.id}&siteId=site-a`, { key }), 200)).items;
      expect(runs).to.have.length(4);
      const spans = runs.map((r: { stages: Array<{ startedAt: string; finishedAt: string }> }) => [Date.parse(r.stages[0].startedAt), Date.parse(r.stages[0].finishedAt)]).sort((a: number[], b: number[]) => a[0] - b[0]);
      for (let i = 1; i < spans.length; i++) expect(spans[i][0], 'site-a runs overlapped').to.be.at.least(spans[i - 1][1]);
      await json(await hub.api(`/api/v1/batches/${batch.id}`, { key: otherKey }), 404);
      const invalid = await json(await hub.api(`/api/v1/pipelines/${pipeline.id}/runs:bulk`, { method: 'POST', key, json: { items: [] } }), 400);
      expect(invalid.error.details[0].path).to.equal('/body/items');
    });

    it('honours Idempotency-Key on bulk starts: a retried or racing request returns the same batch and starts nothing again', async function () {
      const pipeline = await createPipeline(hub, key, { name: 'bulk-idem', stages: [{ name: 'a', agent: 'fx-tools', task: { capability: 'merge', input: { logDir } } }] });
      const bulk = async (pipelineId: string, idem: string, status: number) => json(await hub.api(`/api/v1/pipelines/${pipelineId}/runs:bulk`, {
        method: 'POST', key, json: { items: [{ input: {}, siteId: 'x' }, { input: {}, siteId: 'y' }] }, headers: { 'idempotency-key': idem },
      }), status);
      const first = await bulk(pipeline.id, 'nightly-2026-11-30', 202);
      const again = await bulk(pipeline.id, 'nightly-2026-11-30', 200);
      expect(again.id).to.equal(first.id);
      const racing = await Promise.all([1, 2, 3, 4].map(() => hub.api(`/api/v1/pipelines/${pipeline.id}/runs:bulk`, {
        method: 'POST', key, json: { items: [{ input: {} }] }, headers: { 'idempotency-key': 'nightly-2026-12-01' },
      })));
      expect(new Set(await Promise.all(racing.map(async (r) => (await r.json()).id))).size).to.equal(1);
      expect(racing.map((r) => r.status).sort()).to.deep.equal([200, 200, 200, 202]);
      const runs = await json(await hub.api(`/api/v1/runs?pipelineId=${pipeline.id}&limit=50`, { key }), 200);
      expect(runs.total, 'two runs for the first key, one for the raced key').to.equal(3);
      // Keys are per tenant and per kind of start: the same key on a single start is a different start.
      await json(await hub.api(`/api/v1/pipelines/${pipeline.id}/runs`, { method: 'POST', key, json: {}, headers: { 'idempotency-key': 'nightly-2026-11-30' } }), 201);
      const other = await createPipeline(hub, key, { name: 'bulk-idem-2', stages: [{ name: 'a', agent: 'fx-tools', task: { capability: 'noop' } }] });
      expect((await bulk(other.id, 'nightly-2026-11-30', 409)).error.code).to.equal('HUB_ERR_IDEMPOTENCY_MISMATCH');
      await bulk(pipeline.id, 'bad key with spaces', 400);
    });

    it('always starts the current version: after an update a start runs v2, after a delete it is 404 (definitions are cached for starts)', async function () {
      const pipeline = await createPipeline(hub, key, fiveStagePipeline());
      const first = await start(pipeline.id, { input: { topic: 'a', logDir } });
      expect(first.pipelineVersion).to.equal(1);
      await json(await hub.api(`/api/v1/pipelines/${pipeline.id}`, { method: 'PUT', key, json: fiveStagePipeline({ name: 'second' }) }), 200);
      const second = await start(pipeline.id, { input: { topic: 'b', logDir } });
      expect(second.pipelineVersion).to.equal(2);
      const stored = await waitForRun(hub, key, second.id);
      expect(stored).to.include({ pipelineVersion: 2, status: 'completed' });
      expect((await waitForRun(hub, key, first.id))).to.include({ pipelineVersion: 1, status: 'completed' });
      await json(await hub.api(`/api/v1/pipelines/${pipeline.id}`, { method: 'DELETE', key }), 204);
      const gone = await start(pipeline.id, { input: { topic: 'c' } }, {}, 404);
      expect(gone.error.code).to.equal('HUB_ERR_NOT_FOUND');
      const list = await json(await hub.api(`/api/v1/runs?pipelineId=${pipeline.id}`, { key }), 200);
      expect(list.total).to.equal(2);
      // The other tenant cannot start it through a warm cache either.
      await json(await hub.api(`/api/v1/pipelines/${first.pipelineId}/runs`, { method: 'POST', key: otherKey, json: { input: { topic: 'x' } } }), 404);
    });

    it('validates run input against the pipeline schema and stores nothing when it fails', async function () {
      const pipeline = await createPipeline(hub, key, fiveStagePipeline());
      const error = await start(pipeline.id, { input: { topic: 7 } }, {}, 400);
      expect(error.error.code).to.equal('HUB_ERR_PIPELINE_INPUT_INVALID');
      expect(error.error.details[0].path).to.equal('/body/input/topic');
      await start(pipeline.id, { input: { topic: 'x' }, siteId: '../../etc' }, {}, 400);
      await start(pipeline.id, { input: { topic: 'x' }, extra: 1 }, {}, 400);
      const list = await json(await hub.api(`/api/v1/runs?pipelineId=${pipeline.id}`, { key }), 200);
      expect(list.total).to.equal(0);
    });

    it('waits for the result with ?wait= and keeps runs invisible to other tenants', async function () {
      const pipeline = await createPipeline(hub, key, fiveStagePipeline());
      const res = await hub.api(`/api/v1/pipelines/${pipeline.id}/runs?wait=20s`, { method: 'POST', key, json: { input: { topic: 'shoes' }, siteId: 'site-1' } });
      const run = await json(res, 201);
      expect(run.status).to.equal('completed');
      expect(run.output).to.deep.equal(expectedFiveStageOutput);
      await json(await hub.api(`/api/v1/runs/${run.id}`, { key: otherKey }), 404);
      await json(await hub.api(`/api/v1/runs/${run.id}/events`, { key: otherKey }), 404);
      expect((await json(await hub.api('/api/v1/runs', { key: otherKey }), 200)).total).to.equal(0);
      await json(await hub.api(`/api/v1/runs/${run.id}?wait=forever`, { key }), 400);
      await json(await hub.api('/api/v1/runs?status=exploded', { key }), 400);
      const filtered = await json(await hub.api(`/api/v1/runs?status=completed&siteId=site-1&createdAfter=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}&limit=1`, { key }), 200);
      expect(filtered.items).to.have.length(1);
      expect(filtered.total).to.be.at.least(1);
    });
  });
}
