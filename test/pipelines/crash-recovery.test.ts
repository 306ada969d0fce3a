/**
 * Crash recovery with real processes: a `switchyard worker` is killed with
 * SIGKILL while a stage runs; a second worker process picks the run up once
 * the lease expires (bee-queue's stalled-job check and the worker sweep both
 * lead there) and completes it. Stages that completed before the kill ran
 * exactly once, counted from the fixture agents' durable execution log.
 */
import fs from 'node:fs';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { loadConfig } from '../../core/config.js';
import { createRuntime, type Runtime } from '../../core/runtime.js';
import { TenantsRepo } from '../../core/db/repos/tenants-repo.js';
import { PipelineService } from '../../core/pipelines/pipeline-service.js';
import { getRun, startRun } from '../../core/pipelines/run-service.js';
import { createTestDatabase, tempDir, type TestDatabase } from '../support/databases.js';
import { redisUrl, requireRedis } from '../support/services.js';
import { cleanEnv, startCli, type RunningProcess } from '../support/processes.js';
import { fixturePluginPaths } from '../fixtures/agents/index.js';
import { readExecutions } from '../fixtures/agents/execution-log.js';
import { uniquePrefix } from './support.js';

describe('crash recovery with real worker processes [postgresql + bee-queue]', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let runtime: Runtime;
  let logDir: string;
  let prefix: string;
  const workers: RunningProcess[] = [];

  before(async function () {
    await requireRedis();
    db = await createTestDatabase('postgresql');
    logDir = tempDir('crash');
    prefix = uniquePrefix('crash');
  });
  after(async function () {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await runtime?.close();
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await db?.cleanup();
    fs.rmSync(logDir, { recursive: true, force: true });
  });

  const env = () => ({
    DATABASE_URL: db.databaseUrl!,
    DATA_DIR: db.dataDir,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    PLUGIN_PATHS: fixturePluginPaths,
    RUN_LEASE_MS: '1000',
    RUN_HEARTBEAT_MS: '200',
    RUN_SWEEP_INTERVAL_MS: '500',
    LOG_LEVEL: 'info',
    MASTER_KEYS: process.env.MASTER_KEYS,
  });

  async function startWorker(): Promise<RunningProcess> {
    const worker = startCli(['worker'], cleanEnv(env()));
    workers.push(worker);
    await worker.waitFor((line) => (line.msg === 'worker started' ? true : undefined), 30_000);
    return worker;
  }

  async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('completes the run on a new worker after the first is SIGKILLed mid-stage; earlier stages ran exactly once', async function () {
    const config = loadConfig({ ...env(), LOG_LEVEL: 'silent', RUN_WORKER_IN_HUB: 'off' } as NodeJS.ProcessEnv);
    runtime = createRuntime(config, { searchPath: db.searchPath });
    await runtime.migrate();
    await runtime.plugins.start();
    const tenant = await new TenantsRepo(runtime.db).ensure('crash');
    const pipeline = await new PipelineService(runtime).create(tenant.id, {
      name: 'crash',
      stages: [
        { name: 'first', agent: 'fx-tools', task: { capability: 'merge', input: { logDir } } },
        { name: 'slow', agent: 'fx-research', needs: ['first'], task: { capability: 'research', input: { topic: 'x', sleepMs: 2500, logDir } } },
        { name: 'last', agent: 'fx-tools', needs: ['slow'], task: { capability: 'merge', input: { keywords: { $ref: 'stages.slow.output.keywords' }, logDir } } },
      ],
    });

    const doomed = await startWorker();
    const { run } = await startRun(runtime, { tenantId: tenant.id, pipelineId: pipeline.id, input: {} });
    const slowStart = await until(() => readExecutions(logDir).find((e) => e.runId === run.id && e.stage === 'slow'), 'the slow stage to start');
    expect(slowStart.pid).to.equal(doomed.child.pid);
    doomed.child.kill('SIGKILL');
    expect((await doomed.exited).signal).to.equal('SIGKILL');

    const mid = await getRun(runtime, tenant.id, run.id);
    expect(mid.status).to.equal('running');
    expect(mid.stages.map((s) => s.status)).to.deep.equal(['completed', 'running', 'pending']);

    const rescuer = await startWorker();
    const done = await until(async () => {
      const r = await getRun(runtime, tenant.id, run.id, { waitMs: 1000 });
      return r.status === 'running' || r.status === 'queued' ? undefined : r;
    }, 'the run to finish');
    expect(done.status).to.equal('completed');
    expect(done.output).to.deep.equal({ keywords: ['x review', 'best x', 'x deals'] });

    const log = readExecutions(logDir).filter((e) => e.runId === run.id);
    expect(log.filter((e) => e.stage === 'first'), 'completed before the kill: ran once').to.have.length(1);
    expect(log.filter((e) => e.stage === 'slow').map((e) => e.pid)).to.deep.equal([doomed.child.pid, rescuer.child.pid]);
    expect(log.filter((e) => e.stage === 'last').map((e) => e.pid)).to.deep.equal([rescuer.child.pid]);
    expect(done.stages[1].attempts).to.equal(2);

    const events = (await runtime.db('run_events').where({ run_id: run.id }).orderBy('seq').select('name', 'data')) as Array<{ name: string; data: string }>;
    const started = events.filter((e) => e.name === 'run.started').map((e) => JSON.parse(e.data).recovered);
    expect(started).to.deep.equal([false, true]);

    rescuer.child.kill('SIGTERM');
    expect((await rescuer.exited).code).to.equal(0);
  });
});
