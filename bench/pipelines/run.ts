/**
 * Pipeline benchmark (prints figures; never part of `npm test`):
 *  1. raw bee-queue: N no-op jobs, producer and worker in this process → jobs/s
 *  2. hub: N runs of a 3-stage no-op pipeline on bee-queue + PostgreSQL, worker
 *     in this process → runs/s, p50/p99 end-to-end latency (startRun → run.completed
 *     on the bus), and the hub's cost per run as a ratio to a raw job
 *  3. agent request/reply between two worker processes (a `switchyard worker`
 *     child serves the agent) and in-process → p50/p99
 *
 * Both measured rounds (1, 2) follow an unmeasured warm-up round of --warmup
 * jobs/runs (JIT, connection pools). CPU per run/job is read from /proc for
 * this process, every PostgreSQL process and Redis, so the cost is also
 * visible when the shared machine is busy with something else.
 *
 * Usage: npx tsx bench/pipelines/run.ts [--runs 1000] [--requests 1000] [--concurrency 100] [--history 20000] [--warmup 200] [--cpu-profile hub.cpuprofile]
 * (--cpu-profile writes a V8 CPU profile of phase 2 only, for Chrome DevTools / speedscope;
 *  --statements lists the SQL statements per run by kind.)
 * Needs PostgreSQL and Redis (TEST_DATABASE_URL / TEST_REDIS_URL or the local defaults).
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import BeeQueue from 'bee-queue';
import type { Knex } from 'knex';
import { Redis } from 'ioredis';
import { loadConfig } from '../../core/config.js';
import { createRuntime, type Runtime } from '../../core/runtime.js';
import { createLogger } from '../../core/logger.js';
import { TenantsRepo } from '../../core/db/repos/tenants-repo.js';
import { PipelineService } from '../../core/pipelines/pipeline-service.js';
import { startRun } from '../../core/pipelines/run-service.js';
import { PipelineWorker } from '../../core/pipelines/worker.js';
import { agentRequestHandler, createMessaging, type AgentReply, type AgentRequestJob } from '../../core/pipelines/agent-messaging.js';
import { BeeQueueDriver } from '../../core/queue/bee-queue-driver.js';
import { InProcessDriver } from '../../core/queue/in-process-driver.js';
import { queueNames } from '../../core/queue/index.js';
import { createTestDatabase } from '../../test/support/databases.js';
import { redisUrl, requirePostgres, requireRedis } from '../../test/support/services.js';
import { cleanEnv, startCli } from '../../test/support/processes.js';
import { fixturePluginPaths } from '../../test/fixtures/agents/index.js';
import { cpuSecondsBetween, cpuSecondsOf, machineBusySeconds } from '../http/proc-stats.js';
import { cpuProbeMs } from '../cpu-probe.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RUNS = arg('runs', 1000);
const REQUESTS = arg('requests', 1000);
const CONCURRENCY = arg('concurrency', 100);
const HISTORY = arg('history', 20_000);
const WARMUP = arg('warmup', 200);
const profileIndex = process.argv.indexOf('--cpu-profile');
const PROFILE = profileIndex > 0 ? process.argv[profileIndex + 1] : undefined;

/** Profiles `work` with the in-process inspector when --cpu-profile is given. */
async function profiled<T>(work: () => Promise<T>): Promise<T> {
  if (!PROFILE) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    fs.writeFileSync(PROFILE, JSON.stringify(profile));
    session.disconnect();
  }
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const ms = (v: number) => `${v.toFixed(2)} ms`;

/** Jobs/s and CPU per job (this process, Redis) of raw bee-queue, after an unmeasured warm-up round like the hub's. */
async function rawBeeQueue(prefix: string, n: number): Promise<{ jobsPerSec: number; nodeMs: number; redisMs: number }> {
  await rawBeeQueueRound(prefix, WARMUP);
  const cpu0 = { node: process.cpuUsage(), redis: cpuSecondsOf('redis-server') };
  const jobsPerSec = await rawBeeQueueRound(prefix, n);
  const node = process.cpuUsage(cpu0.node);
  return { jobsPerSec, nodeMs: (node.user + node.system) / 1000 / n, redisMs: (cpuSecondsBetween(cpu0.redis, cpuSecondsOf('redis-server')) * 1000) / n };
}

async function rawBeeQueueRound(prefix: string, n: number): Promise<number> {
  const q = new BeeQueue('raw', { prefix, redis: { url: redisUrl } as never, removeOnSuccess: true, removeOnFailure: true, storeJobs: false, sendEvents: false, getEvents: false });
  await q.ready();
  let done = 0;
  let finish!: () => void;
  const all = new Promise<void>((r) => (finish = r));
  q.process(CONCURRENCY, async () => {
    if (++done === n) finish();
    return null;
  });
  const t0 = performance.now();
  const jobs = Array.from({ length: n }, (_, i) => q.createJob({ i }).retries(2).timeout(10_000));
  await q.saveAll(jobs);
  await all;
  const seconds = (performance.now() - t0) / 1000;
  await q.close();
  return n / seconds;
}

/**
 * Finished runs (with their stages and events) stored before the measurement,
 * then vacuumed and analyzed, as autovacuum does on a live hub: a hub's tables are not
 * empty for long, and plans made for an empty, never-analyzed table (a full
 * scan looks cheapest there) would be measured otherwise.
 */
async function storeHistory(db: Knex, tenantId: string, pipelineId: string, n: number): Promise<void> {
  if (n <= 0) return;
  await db.raw(`insert into runs (id, tenant_id, pipeline_id, pipeline_version, status, throttled, generation, input, output, next_seq, created_at, updated_at, started_at, finished_at)
    select gen_random_uuid()::text, ?, ?, 1, 'completed', false, 0, '{}', 'null', 9, now() - interval '1 day', now() - interval '1 day', now() - interval '1 day', now() - interval '1 day'
    from generate_series(1, ?)`, [tenantId, pipelineId, n]);
  await db.raw(`insert into run_stages (run_id, name, position, agent_id, status, attempts, output, started_at, finished_at)
    select r.id, s.name, s.position, 'fx-tools', 'completed', 1, 'null', r.started_at, r.finished_at from runs r cross join (values ('a', 0), ('b', 1), ('c', 2)) as s(name, position)`);
  await db.raw(`insert into run_events (tenant_id, run_id, seq, name, data, created_at)
    select r.tenant_id, r.id, g, 'stage.completed', '{}', r.created_at from runs r cross join generate_series(1, 9) as g`);
  await db.raw('vacuum analyze runs, run_stages, run_events');
  await db.raw('checkpoint');
}

/**
 * Starts `n` runs (callers arrive CONCURRENCY at a time, like HTTP clients)
 * and waits for all to finish: seconds, end-to-end latencies (startRun →
 * run.completed on the bus), statements by kind, CPU per run by process.
 */
async function hubRuns(runtime: Runtime, tenantId: string, pipelineId: string, n: number) {
  const startedAt = new Map<string, number>();
  const latencies: number[] = [];
  let finish!: () => void;
  const all = new Promise<void>((r) => (finish = r));
  const early = new Map<string, number>();
  const unsubscribe = runtime.bus.subscribe((e) => {
    if (e.name !== 'run.completed' && e.name !== 'run.failed') return;
    const now = performance.now();
    const t = startedAt.get(e.runId!);
    if (t === undefined) early.set(e.runId!, now);
    else latencies.push(now - t);
    if (latencies.length + early.size === n) finish();
  });
  const statements = new Map<string, number>();
  const countStatement = (q: { sql: string }) => {
    // Only the head of the text: this runs inside the measurement.
    const kind = q.sql.slice(0, 96).replace(/\s+/g, ' ').slice(0, 48);
    statements.set(kind, (statements.get(kind) ?? 0) + 1);
  };
  runtime.db.on('query', countStatement);
  const cpu0 = { hub: process.cpuUsage(), pg: cpuSecondsOf('postgres'), redis: cpuSecondsOf('redis-server'), machine: machineBusySeconds() };
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < n) {
      next++;
      const t = performance.now();
      const { run } = await startRun(runtime, { tenantId, pipelineId, input: {} });
      startedAt.set(run.id, t);
      const e = early.get(run.id);
      if (e !== undefined) latencies.push(e - t);
    }
  }));
  await all;
  const seconds = (performance.now() - t0) / 1000;
  const hubCpu = process.cpuUsage(cpu0.hub);
  const cpuPerRun = {
    hub: (hubCpu.user + hubCpu.system) / 1000 / n,
    pg: (cpuSecondsBetween(cpu0.pg, cpuSecondsOf('postgres')) * 1000) / n,
    redis: (cpuSecondsBetween(cpu0.redis, cpuSecondsOf('redis-server')) * 1000) / n,
    machine: ((machineBusySeconds() - cpu0.machine) * 1000) / n,
  };
  runtime.db.removeListener('query', countStatement);
  unsubscribe();
  return { seconds, latencies: latencies.sort((a, b) => a - b), statements, cpuPerRun };
}

async function main(): Promise<void> {
  await requirePostgres();
  await requireRedis();
  const db = await createTestDatabase('postgresql');
  const prefix = `sybench-${Date.now().toString(36)}`;
  const env = {
    DATABASE_URL: db.databaseUrl!, DATA_DIR: db.dataDir, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix,
    PLUGIN_PATHS: fixturePluginPaths, LOG_LEVEL: 'warn', WORKER_CONCURRENCY: String(CONCURRENCY), RUN_WORKER_IN_HUB: 'off',
  };
  const config = loadConfig(env as NodeJS.ProcessEnv);
  const runtime = createRuntime(config, { logger: createLogger('warn'), searchPath: db.searchPath });
  const redis = new Redis(redisUrl);
  try {
    await runtime.migrate();
    await runtime.plugins.start();
    console.log(`switchyard pipeline bench: ${RUNS} runs, ${REQUESTS} requests, worker concurrency ${CONCURRENCY}, PostgreSQL + bee-queue, node ${process.version}`);
    console.log(`(${HISTORY} finished runs stored, vacuumed and analyzed before the measurement, as on a live hub; --history 0 for empty tables)`);
    console.log(`machine speed probe: ${cpuProbeMs()} ms CPU for a fixed hashing loop (lower is faster; see bench/cpu-probe.ts)\n`);

    // 1. raw bee-queue
    const raw = await rawBeeQueue(prefix, RUNS);
    const rawJobsPerSec = raw.jobsPerSec;

    // 2. hub runs
    const tenant = await new TenantsRepo(runtime.db).ensure('bench');
    const noop = (name: string, needs: string[]) => ({ name, agent: 'fx-tools', needs, task: { capability: 'noop', input: {} }, retry: { attempts: 1 } });
    const pipeline = await new PipelineService(runtime).create(tenant.id, { name: 'noop-3', stages: [noop('a', []), noop('b', ['a']), noop('c', ['b'])] });
    await storeHistory(runtime.db, tenant.id, pipeline.id, HISTORY);
    const worker = new PipelineWorker(runtime, runtime.plugins, { concurrency: CONCURRENCY, sweepIntervalMs: 60_000 });
    worker.start();
    // An unmeasured round first (JIT, connection pools), as for raw bee-queue above.
    await hubRuns(runtime, tenant.id, pipeline.id, WARMUP);
    const measured = await profiled(() => hubRuns(runtime, tenant.id, pipeline.id, RUNS));
    const { latencies, statements, cpuPerRun } = measured;
    const hubSeconds = measured.seconds;
    const failed = Number((await runtime.db('runs').where({ status: 'failed' }).count({ c: '*' }))[0].c);
    await worker.stop();
    const runsPerSec = RUNS / hubSeconds;

    console.log('raw bee-queue (no-op jobs, same process)');
    console.log(`  jobs/s                ${rawJobsPerSec.toFixed(0)}`);
    console.log(`  CPU per job           node ${raw.nodeMs.toFixed(2)} ms, Redis ${raw.redisMs.toFixed(2)} ms`);
    console.log('hub runs (3-stage no-op pipeline, worker in this process)');
    console.log(`  runs/s                ${runsPerSec.toFixed(0)}${failed ? `  (${failed} failed!)` : ''}`);
    console.log(`  end-to-end p50        ${ms(pct(latencies, 50))}`);
    console.log(`  end-to-end p99        ${ms(pct(latencies, 99))}`);
    console.log(`  cost per run / raw job ${(rawJobsPerSec / runsPerSec).toFixed(1)}x`);
    console.log(`  CPU per run           hub ${cpuPerRun.hub.toFixed(2)} ms, PostgreSQL ${cpuPerRun.pg.toFixed(2)} ms, Redis ${cpuPerRun.redis.toFixed(2)} ms (machine busy ${cpuPerRun.machine.toFixed(2)} ms)`);
    const totalStatements = [...statements.values()].reduce((a, b) => a + b, 0);
    console.log(`  SQL statements per run ${(totalStatements / RUNS).toFixed(2)}`);
    if (process.argv.includes('--statements')) {
      for (const [kind, n] of [...statements].sort((a, b) => b[1] - a[1])) console.log(`    ${(n / RUNS).toFixed(2).padStart(6)}  ${kind}`);
    }

    // 3a. request/reply across processes: a worker child serves fx-tools; this process only asks.
    const child = startCli(['worker'], cleanEnv({ ...env, LOG_LEVEL: 'info', WORKER_CONCURRENCY: '1' }));
    await child.waitFor((l) => (l.msg === 'worker started' ? true : undefined), 30_000);
    const asker = new BeeQueueDriver({ redisUrl, prefix, stallIntervalMs: 30_000, logger: runtime.logger });
    const remote = asker.queue<AgentRequestJob, AgentReply>(queueNames.agentRequests);
    const measure = async (messaging: ReturnType<typeof createMessaging>) => {
      const samples: number[] = [];
      for (let i = 0; i < REQUESTS + 100; i++) {
        const t = performance.now();
        await messaging.request('fx-tools', { capability: 'noop', input: {} }, { timeoutMs: 5000 });
        if (i >= 100) samples.push(performance.now() - t); // first 100 warm up
      }
      return samples.sort((a, b) => a - b);
    };
    const origin = { tenantId: tenant.id, agentId: 'bench', depth: 0 };
    const cross = await measure(createMessaging(remote, origin));
    await asker.close();
    child.child.kill('SIGTERM');
    await child.exited;

    // 3b. in-process driver: the same messaging code, served in this process.
    const local = new InProcessDriver();
    const localQueue = local.queue<AgentRequestJob, AgentReply>(queueNames.agentRequests);
    localQueue.process(20, agentRequestHandler(runtime.plugins, localQueue, () => undefined));
    const inproc = await measure(createMessaging(localQueue, origin));
    await local.close();

    console.log(`agent request/reply (${REQUESTS} sequential, after 100 warm-up)`);
    console.log(`  two processes (bee-queue)  p50 ${ms(pct(cross, 50))}  p99 ${ms(pct(cross, 99))}`);
    console.log(`  in-process                 p50 ${ms(pct(inproc, 50))}  p99 ${ms(pct(inproc, 99))}`);
    console.log(`machine speed probe after: ${cpuProbeMs()} ms`);
  } finally {
    await runtime.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await db.cleanup();
  }
}

await main();
process.exit(0);
