/**
 * Inbound webhook benchmark: verified Digistore24 IPNs per second and ack
 * latency (p50/p99) at several connection counts, against the real hub (a
 * child process, `switchyard start`) on SQLite and on PostgreSQL, next to a
 * bare Koa handler measured in the same run. Every request is a unique,
 * correctly signed IPN, so each 200 means verified + stored (request, event,
 * outbox row committed). After each target the stored event count is checked
 * against the 2xx count. The outbox relay (ledger, notifications, trigger
 * rules) runs where the target puts it (below); after each level the bench prints its
 * backlog and waits until it has caught up before the next level, then the
 * CPU time per stored IPN over the level and the catch-up: hub, PostgreSQL
 * (and the hub's own backends apart), this process (autocannon), the rest of
 * the machine, and the rate the machine's total would allow on all its cores.
 *
 *   npm run bench:webhooks                      # all targets, 10/50/100 connections, 8 s each
 *   BENCH_DURATION=5 BENCH_CONNECTIONS=50 npm run bench:webhooks
 *   TEST_DATABASE_URL=postgres://… (default postgres://postgres@127.0.0.1:5432/test)
 *   BENCH_TARGETS=koa,sqlite,postgres           # which targets to run (default: all three)
 *   BENCH_HUB_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"   # extra node flags for the hub child (profiling)
 *   BENCH_WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof-worker" # the same for the relay's worker
 *   BENCH_HUB_ENV="WEBHOOKS_RELAY_POLL_MS=500"   # extra hub settings, space-separated NAME=value pairs
 *   BENCH_PG_RELAY=worker,after,hub             # where the outbox relay runs on the PostgreSQL target (default: worker,after)
 *
 * The PostgreSQL target runs the production topology: `switchyard start`
 * with REDIS_URL only ingests, and `switchyard worker` processes run the
 * outbox relay (and pipelines). Relay placements, each measured separately:
 *   worker  one worker on this machine relays while the load runs, competing
 *           for the same 2 cores (a single-box deployment);
 *   after   the worker starts when the load ends and catches up then, as a
 *           worker on another machine or a relay behind a burst would: the
 *           ingest figures are the hub's and the database's alone, and the
 *           catch-up time and CPU are printed with them;
 *   hub     one process, relay in the hub's event loop (no Redis).
 * The SQLite target is the embedded single process (relay in the hub).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import Koa from 'koa';
import getRawBody from 'raw-body';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createDb, type Db } from '../../core/db/knex.js';
import { ds24Signature } from '../../connectors/digistore24/webhook.js';
import { cpuProbeMs } from '../cpu-probe.js';
import { cpuSeconds, cpuSecondsBetween, cpuSecondsOf, cpuUserSystemSeconds, machineBusySeconds } from '../http/proc-stats.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const postgresUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const duration = Number(process.env.BENCH_DURATION ?? 8);
const connectionLevels = (process.env.BENCH_CONNECTIONS ?? '10,50,100').split(',').map(Number);
const targets = new Set((process.env.BENCH_TARGETS ?? 'koa,sqlite,postgres').split(',').map((t) => t.trim()));
const hubEnv = Object.fromEntries((process.env.BENCH_HUB_ENV ?? '').split(' ').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const nodeArgs = (name: string) => (process.env[name] ?? '').split(' ').filter(Boolean);
const hubNodeArgs = nodeArgs('BENCH_HUB_NODE_ARGS');
const workerNodeArgs = nodeArgs('BENCH_WORKER_NODE_ARGS');
const passphrase = 'bench-ipn-passphrase';

let seq = 0;
const runTag = randomBytes(3).toString('hex');
function nextIpn(): string {
  seq += 1;
  const fields = {
    event: 'on_payment', order_id: `B${runTag}${seq}`, transaction_id: `${runTag}-${seq}`, product_id: '512345', amount: '49.00',
    currency: 'EUR', pay_sequence_no: '0', transaction_date: '2025-05-01', transaction_time: '12:00:00', buyer_email: 'kunde@example.de',
    custom: 'm:bench', affiliate_name: '',
  };
  return new URLSearchParams({ ...fields, sha_sign: ds24Signature(fields, passphrase) }).toString();
}

interface Row { target: string; connections: number; rps: number; p50: number; p99: number; ok: number; errors: number; non2xx: number; backlog?: number; drainS?: number; cpu?: CpuPerIpn }

/** CPU microseconds per accepted IPN over one load level plus its relay drain, by consumer. */
interface CpuPerIpn { hub: number; hubUser: number; hubSys: number; worker?: number; postgres: number; hubBackends?: number; bench: number; machine: number; others: number; seconds: number }

/** PIDs of the database server processes that serve the hub (its connections), when the target has a server. */
type Backends = () => Promise<number[]>;

/**
 * Starts a CPU account of the hub, every `postgres` process (backends that
 * exit during the level take their time with them: the hub's pool keeps its
 * connections, so this is small), this process (autocannon runs here) and the
 * whole machine; `stop(n)` divides by n accepted IPNs. "others" is machine busy
 * time used by none of them (other work on the shared cores, the kernel's
 * softirq for loopback traffic not charged to a process). The machine is
 * shared, so `postgres` may include other clients' queries; the hub's own
 * backends (found by application_name) are counted apart.
 */
async function cpuAccount(hubPid: number, backends?: Backends, workerPid: () => number | undefined = () => undefined): Promise<{ stop(accepted: number): Promise<CpuPerIpn> }> {
  const t0 = Date.now();
  // A worker started during the level (relay "after") counts from its start.
  const worker0Pid = workerPid();
  const worker0 = worker0Pid === undefined ? 0 : cpuSeconds(worker0Pid);
  const backend0 = new Map((await backends?.())?.map((pid) => [pid, cpuSeconds(pid)]) ?? []);
  const hub0 = cpuUserSystemSeconds(hubPid);
  const pg0 = cpuSecondsOf('postgres');
  const bench0 = process.cpuUsage();
  const machine0 = machineBusySeconds();
  return {
    async stop(accepted) {
      let hubBackends: number | undefined;
      if (backends) {
        hubBackends = 0;
        for (const pid of await backends()) hubBackends += cpuSeconds(pid) - (backend0.get(pid) ?? 0);
      }
      const hub1 = cpuUserSystemSeconds(hubPid);
      const per = (seconds: number) => Math.round((seconds * 1e6) / Math.max(1, accepted));
      const hubUser = hub1.user - hub0.user;
      const hubSys = hub1.sys - hub0.sys;
      const postgres = cpuSecondsBetween(pg0, cpuSecondsOf('postgres'));
      const b = process.cpuUsage(bench0);
      const bench = (b.user + b.system) / 1e6;
      const machine = machineBusySeconds() - machine0;
      const workerPid1 = workerPid();
      const worker = workerPid1 === undefined ? 0 : cpuSeconds(workerPid1) - (workerPid1 === worker0Pid ? worker0 : 0);
      return {
        hub: per(hubUser + hubSys), hubUser: per(hubUser), hubSys: per(hubSys), worker: workerPid1 === undefined ? undefined : per(worker), postgres: per(postgres),
        hubBackends: hubBackends === undefined ? undefined : per(hubBackends), bench: per(bench),
        machine: per(machine), others: per(machine - hubUser - hubSys - worker - postgres - bench), seconds: (Date.now() - t0) / 1000,
      };
    },
  };
}

async function load(url: string, connections: number, target: string): Promise<Row> {
  const result = await autocannon({
    url, connections, duration, method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    requests: [{ setupRequest: (req: any) => ({ ...req, body: nextIpn() }) }],
  } as any);
  const ok = result['2xx'];
  return { target, connections, rps: Math.round(ok / duration), p50: result.latency.p50, p99: result.latency.p99, ok, errors: result.errors + result.timeouts, non2xx: result.non2xx };
}

async function bareKoa(): Promise<{ url: string; close(): Promise<void> }> {
  const app = new Koa();
  app.use(async (ctx) => {
    await getRawBody(ctx.req, { limit: 262144 });
    ctx.type = 'text/plain';
    ctx.body = 'OK';
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => new Promise((r) => server.close(() => r())) };
}

function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: '0',
    RATE_LIMIT_PER_IP: '100000000', JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0', ...hubEnv, ...extra,
  };
}

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repo, 'bin/switchyard.mjs'), ...args], { env, cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`switchyard ${args.join(' ')} exited ${code}`))));
  });
}

async function startHub(env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess }> {
  // LOG_LEVEL=info only for the "hub listening" line, then the hub logs warnings only.
  const child = spawn(process.execPath, [...hubNodeArgs, path.join(repo, 'bin/switchyard.mjs'), 'start'], { env: { ...env, LOG_LEVEL: 'info' }, cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d;
      const m = /"url":"(http:[^"]+)"/.exec(buf);
      if (m) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`hub exited ${code}: ${buf.slice(-2000)}`)));
  });
  return { url, child };
}

/** `switchyard worker` with the hub's settings; resolves once it runs. */
async function startWorker(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...workerNodeArgs, path.join(repo, 'bin/switchyard.mjs'), 'worker'], { env: { ...env, LOG_LEVEL: 'info' }, cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d;
      if (buf.includes('"worker started"')) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`worker exited ${code}: ${buf.slice(-2000)}`)));
  });
  return child;
}

async function stopHub(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Outbox rows not yet processed by the relay (ledger, notifications, triggers). */
type Backlog = () => Promise<number>;

/** Waits until the relay has caught up (at most 120 s); seconds taken. */
async function drain(backlog: Backlog): Promise<number> {
  const started = Date.now();
  while ((await backlog()) > 0 && Date.now() - started < 120_000) await new Promise((r) => setTimeout(r, 100));
  return Math.round((Date.now() - started) / 100) / 10;
}

/** Where the outbox relay runs (see the header). */
type RelayPlacement = 'hub' | 'worker' | 'after';

async function benchHub(label: string, env: Record<string, string>, backlog: Backlog, backends?: Backends, relay: RelayPlacement = 'hub'): Promise<Row[]> {
  const e = cliEnv(env);
  await runCli(['migrate'], e);
  const created = JSON.parse(await runCli(['keys', 'create', '--tenant', 'bench', '--scopes', '*', '--json'], e));
  let worker = relay === 'hub' ? undefined : await startWorker(e);
  const { url, child } = await startHub(e);
  const rows: Row[] = [];
  try {
    const put = await fetch(`${url}/api/v1/plugins/digistore24/credentials`, { method: 'PUT', headers: { 'x-api-key': created.key, 'content-type': 'application/json' }, body: JSON.stringify({ ipnPassphrase: passphrase }) });
    if (put.status !== 200) throw new Error(`setting credentials failed: ${put.status} ${await put.text()}`);
    const probe = await fetch(`${url}/webhooks/bench/digistore24`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: nextIpn() });
    if ((await probe.text()) !== 'OK') throw new Error('probe IPN was not accepted');
    await load(`${url}/webhooks/bench/digistore24`, 10, `${label} warm-up`);
    await drain(backlog);
    const total = async () => (await (await fetch(`${url}/api/v1/events?limit=1`, { headers: { 'x-api-key': created.key } })).json()).total as number;
    for (const connections of connectionLevels) {
      const before = await total();
      if (relay === 'after' && worker) {
        await stopHub(worker);
        worker = undefined;
      }
      const account = await cpuAccount(child.pid!, backends, () => worker?.pid);
      const row = await load(`${url}/webhooks/bench/digistore24`, connections, label);
      if (relay === 'after') worker = await startWorker(e);
      const stored = (await total()) - before;
      // Requests still in flight when the load stops are stored but not counted as 2xx, so stored >= acknowledged.
      if (stored < row.ok) console.error(`!! ${label} c=${connections}: ${row.ok} acknowledged but only ${stored} stored`);
      // The relay works after the ack (in the worker, or in the hub itself); the next level starts once it has caught up.
      row.backlog = await backlog();
      row.drainS = await drain(backlog);
      // Counted up to the end of the drain, so the relay's work for these IPNs is in the figures.
      row.cpu = await account.stop(stored);
      rows.push(row);
      print([row]);
    }
  } finally {
    await stopHub(child);
    if (worker) await stopHub(worker);
  }
  return rows;
}

function print(rows: Row[]): void {
  for (const r of rows) {
    console.log(`${r.target.padEnd(30)} c=${String(r.connections).padEnd(4)} ${String(r.rps).padStart(6)} req/s   p50 ${String(r.p50).padStart(4)} ms   p99 ${String(r.p99).padStart(4)} ms   2xx ${r.ok}  non-2xx ${r.non2xx}  errors ${r.errors}${r.backlog === undefined ? '' : `   relay backlog ${r.backlog}, drained in ${r.drainS} s`}`);
    const c = r.cpu;
    if (c) {
      console.log(`${''.padEnd(30)}   CPU µs per stored IPN (load + drain, ${c.seconds.toFixed(1)} s; a worker started for the drain counts its start-up): hub ${c.hub} (user ${c.hubUser}, sys ${c.hubSys})${c.worker === undefined ? '' : `  worker ${c.worker}`}  postgres ${c.postgres}${c.hubBackends === undefined ? '' : ` (the hub's backends ${c.hubBackends})`}  bench/autocannon ${c.bench}  others ${c.others}  machine ${c.machine}  -> ${Math.round((os.cpus().length * 1e6) / Math.max(1, c.machine))} IPN/s if all ${os.cpus().length} cores were busy`);
    }
  }
}

async function main(): Promise<void> {
  console.log(`webhook ingest bench: ${os.cpus().length} CPUs, node ${process.version}, ${duration}s per level, connections ${connectionLevels.join('/')}`);
  console.log(`machine speed probe: ${cpuProbeMs()} ms CPU for a fixed hashing loop (lower is faster; see bench/cpu-probe.ts)`);
  const all: Row[] = [];

  if (targets.has('koa')) {
    const koa = await bareKoa();
    await load(koa.url, 10, 'koa warm-up');
    for (const c of connectionLevels) {
      const row = await load(koa.url, c, 'bare Koa handler');
      all.push(row);
      print([row]);
    }
    await koa.close();
  }

  if (targets.has('sqlite')) {
    const sqliteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-bench-sqlite-'));
    try {
      // A second connection to the hub's file (WAL: it reads while the hub writes).
      const reader: Db = createDb({ dataDir: sqliteDir });
      const backlog = async () => Number((await reader('webhook_outbox').where({ status: 'pending' }).count({ n: '*' }))[0].n);
      try {
        all.push(...(await benchHub('hub, SQLite', { DATA_DIR: sqliteDir }, backlog)));
      } finally {
        await reader.destroy();
      }
    } finally {
      fs.rmSync(sqliteDir, { recursive: true, force: true });
    }
  }

  if (targets.has('postgres')) {
    const schema = `bench_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    const pgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-bench-pg-'));
    try {
      const u = new URL(postgresUrl);
      u.searchParams.set('options', `-c search_path=${schema}`);
      // Names the hub's connections, so their server processes can be told from other clients'.
      const appName = `switchyard-bench-${schema}`;
      u.searchParams.set('application_name', appName);
      const backends = async () => (await admin.query('select pid from pg_stat_activity where application_name = $1', [appName])).rows.map((r) => Number(r.pid));
      const backlog = async () => Number((await admin.query(`select count(*) as n from ${schema}.webhook_outbox where status = 'pending'`)).rows[0].n);
      const labels: Record<RelayPlacement, string> = { worker: 'PostgreSQL, relay in worker', after: 'PostgreSQL, relay after', hub: 'PostgreSQL, relay in hub' };
      for (const relay of (process.env.BENCH_PG_RELAY ?? 'worker,after').split(',').map((r) => r.trim()) as RelayPlacement[]) {
        if (!labels[relay]) throw new Error(`BENCH_PG_RELAY: unknown placement ${relay}`);
        // A fresh schema per placement, so each starts from the same (empty) tables.
        await admin.query(`drop schema if exists ${schema} cascade; create schema ${schema}`);
        const queue = { REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', QUEUE_PREFIX: schema };
        all.push(...(await benchHub(labels[relay], { DATA_DIR: pgDir, DATABASE_URL: u.toString(), ...(relay === 'hub' ? {} : queue) }, backlog, backends, relay)));
      }
    } finally {
      // The worker's queues (bee-queue keys under the bench's prefix).
      const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
      const keys = await redis.keys(`${schema}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
      fs.rmSync(pgDir, { recursive: true, force: true });
    }
  }

  console.log(`\nmachine speed probe after: ${cpuProbeMs()} ms`);
  console.log('summary (accepted = verified, stored and acknowledged IPNs per second):');
  print(all);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
