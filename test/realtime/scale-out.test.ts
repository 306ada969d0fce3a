/**
 * Several processes, as operators run them: two `switchyard start` hubs and
 * one `switchyard worker`, sharing PostgreSQL and Redis. A run started
 * through hub A's API is executed by the worker (the hubs run no worker), and
 * its events reach a client on hub A and a client on hub B.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { redisUrl, requireRedis } from '../support/services.js';
import { cleanEnv, listeningPort, startCli, type RunningProcess } from '../support/processes.js';
import { createDb, type Db } from '../../core/db/knex.js';
import { TenantsRepo } from '../../core/db/repos/tenants-repo.js';
import { createApiKey } from '../../core/auth/api-keys.js';
import type { HubEvent } from '../../core/events.js';
import { Redis } from 'ioredis';
import { nichePipeline, testAgentPaths } from './agents/index.js';
import { connectSocket, settle, type TestSocket } from './socket-client.js';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('realtime across processes (two hubs, one worker, Redis)', function () {
  this.timeout(90_000);
  let database: TestDatabase;
  let db: Db;
  const processes: RunningProcess[] = [];
  const sockets: TestSocket[] = [];
  const prefix = `rt-${randomBytes(4).toString('hex')}`;
  let hubA: string;
  let hubB: string;
  let worker: RunningProcess;

  before(async function () {
    await requireRedis();
    database = await createTestDatabase('postgresql');
    const env = (extra: Record<string, string>) =>
      cleanEnv({
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: '0',
        DATA_DIR: database.dataDir,
        DATABASE_URL: database.databaseUrl,
        REDIS_URL: redisUrl,
        JWT_SECRET: 'scale-out-secret-scale-out-secret-0123456',
        REALTIME_REDIS_KEY: `${prefix}:socket.io`,
        QUEUE_PREFIX: prefix,
        RUN_WORKER_IN_HUB: 'off',
        PLUGIN_PATHS: testAgentPaths,
        LOG_LEVEL: 'info',
        ...extra,
      });
    // One hub first, so that it alone migrates the fresh schema.
    const a = startCli(['start'], env({}));
    processes.push(a);
    hubA = `http://127.0.0.1:${await a.waitFor(listeningPort, 30_000)}`;
    const b = startCli(['start'], env({}));
    processes.push(b);
    worker = startCli(['worker'], env({}));
    processes.push(worker);
    hubB = `http://127.0.0.1:${await b.waitFor(listeningPort, 30_000)}`;
    await worker.waitFor((l) => (l.msg === 'worker started' ? true : undefined), 30_000);
    db = createDb({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, searchPath: database.searchPath });
  });

  after(async function () {
    for (const s of sockets) s.close();
    for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited));
    await db?.destroy();
    await database?.cleanup();
    // The queue's keys for this run's prefix.
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  async function tenant(slug: string): Promise<{ tenantId: string; key: string }> {
    const t = await new TenantsRepo(db).ensure(slug);
    return { tenantId: t.id, key: (await createApiKey(db, t.id, 'test', ['*'])).key };
  }

  async function connect(url: string, key: string): Promise<TestSocket> {
    const s = await connectSocket(url, key);
    sockets.push(s);
    return s;
  }

  it('a run executed by the worker is seen live by clients on both hubs, and replayed on either', async function () {
    const { tenantId, key } = await tenant('scale-out');
    const other = await tenant('scale-out-other');
    const onA = await connect(hubA, key);
    const onB = await connect(hubB, key);
    const otherOnB = await connect(hubB, other.key);
    expect((await onA.join(`tenant:${tenantId}`)).ok).to.equal(true);
    expect((await onB.join(`tenant:${tenantId}`)).ok).to.equal(true);
    expect((await otherOnB.join(`tenant:${other.tenantId}`)).ok).to.equal(true);

    const api = (url: string, path: string, json?: unknown) =>
      fetch(url + path, { method: json ? 'POST' : 'GET', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: json ? JSON.stringify(json) : undefined });
    const created = await api(hubA, '/api/v1/pipelines', nichePipeline(600));
    expect(created.status).to.equal(201);
    const pipelineId = (await created.json()).id;
    const started = await api(hubA, `/api/v1/pipelines/${pipelineId}/runs`, { input: { topic: 'espresso grinders' } });
    expect(started.status).to.equal(201);
    const runId = (await started.json()).id as string;

    // A third client joins the run's room on hub B while the run is under way.
    const runRoomOnB = await connect(hubB, key);
    expect((await runRoomOnB.join(`run:${runId}`, 0)).ok).to.equal(true);

    const finished = (ev: HubEvent[]) => ev.some((e) => e.runId === runId && (e.name === 'run.completed' || e.name === 'run.failed'));
    await onA.waitFor(finished, 30_000, 'run end on hub A');
    await onB.waitFor(finished, 30_000, 'run end on hub B');
    await runRoomOnB.waitFor(finished, 30_000, 'run end in the run room on hub B');
    for (const s of [onA, onB, runRoomOnB, otherOnB]) await settle(s);

    const ofRun = (s: TestSocket) => s.events.filter((e) => e.runId === runId);
    const seqsA = ofRun(onA).map((e) => e.seq);
    expect(seqsA, 'hub A: every event once, in order').to.deep.equal(range(1, seqsA.length));
    expect(ofRun(onB), 'hub B saw exactly what hub A saw').to.deep.equal(ofRun(onA));
    expect(ofRun(onA).at(-1)?.name).to.equal('run.completed');
    const names = ofRun(onA).map((e) => e.name);
    expect(names.filter((n) => n === 'stage.completed')).to.have.length(3);
    expect(names).to.include('agent.message');

    // The worker process ran it: run.started names the worker, whose pid is the child's.
    const startedEvent = ofRun(onA).find((e) => e.name === 'run.started')!;
    expect(String(startedEvent.data.worker)).to.include(`:${worker.child.pid}:`);

    // The run-room client on hub B: replay + live, each seq exactly once (sequencing is the client's, see replay.test.ts).
    const roomSeqs = new Set(ofRun(runRoomOnB).map((e) => e.seq));
    expect([...roomSeqs].sort((x, y) => x! - y!)).to.deep.equal(seqsA);

    // After the fact, a client on hub A replays the stored run from any seq.
    const late = await connect(hubA, key);
    const ack = await late.join(`run:${runId}`, 3);
    expect(ack).to.deep.include({ ok: true, replayed: seqsA.length - 3, lastSeq: seqsA.length });
    await settle(late);
    expect(late.events.map((e) => e.seq)).to.deep.equal(range(4, seqsA.length));

    // Another tenant on hub B saw nothing of it, and cannot join its room.
    expect(otherOnB.events).to.deep.equal([]);
    expect((await otherOnB.join(`run:${runId}`)).error?.code).to.equal('HUB_ERR_REALTIME_ROOM_FORBIDDEN');
  });
});
