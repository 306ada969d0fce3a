/**
 * Realtime benchmark (npm run bench:realtime). Prints:
 *  - sockets held by one hub process and its memory at 10,000 clients;
 *  - fan-out latency p50/p99 from publish on the hub's bus to receipt, to
 *    every client of one room of 1,000 (per delivery, and per event until the
 *    last of the 1,000 has it);
 *  - deliveries per second for a burst to that room;
 *  - worker → client latency p50/p99 through Redis (emitter → adapter).
 * Clients run in several child processes (ulimit -n is per process). All
 * processes share this machine's cores, so client work competes with the hub:
 * the figures are conservative for the hub alone. Needs Redis (REDIS_URL or
 * redis://127.0.0.1:6379).
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { mib, ms, summary } from './stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 10_000);
const CLIENT_PROCESSES = Number(process.env.BENCH_CLIENT_PROCESSES ?? 5);
const ROOM_SIZE = Number(process.env.BENCH_ROOM_SIZE ?? 1_000);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-bench-rt-'));
const prefix = `bench-rt-${randomBytes(4).toString('hex')}`;

const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  PORT: '0',
  DATA_DIR: dataDir,
  REDIS_URL: redisUrl,
  REALTIME_REDIS_KEY: `${prefix}:socket.io`,
  QUEUE_PREFIX: prefix,
  RUN_WORKER_IN_HUB: 'off',
  LOG_LEVEL: 'warn',
  JWT_SECRET: 'bench-secret-bench-secret-bench-secret-01',
  API_KEY_CACHE_MS: '300000',
  // 10,000 handshakes from one address in seconds is the point here, not an attack.
  RATE_LIMIT_PER_IP: '10000000',
};

function start(file: string, args: string[] = [], execArgv: string[] = []): ChildProcess {
  return fork(path.join(here, file), args, { env, execArgv: ['--import', 'tsx', ...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function next<T>(child: ChildProcess, cmd: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { cmd: string }) => {
      if (m.cmd !== cmd) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as T);
    };
    const onExit = (code: number | null) => reject(new Error(`child exited (${code}) while waiting for ${cmd}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

// BENCH_HUB_PROF=<dir> writes a CPU profile of the hub process there (node --cpu-prof).
const hubArgs = ['--expose-gc', ...(process.env.BENCH_HUB_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_HUB_PROF}`] : [])];
const hub = start('hub-process.ts', [], hubArgs);
const ready = await next<{ url: string; key: string; tenantId: string; roomRun: string; singleRun: string }>(hub, 'ready');
console.log(`hub ${ready.url} (pid ${hub.pid}), Redis adapter on ${redisUrl}, ${CLIENTS} clients in ${CLIENT_PROCESSES} processes, room of ${ROOM_SIZE}`);

const connectStarted = Date.now();
const perProcess = Math.ceil(CLIENTS / CLIENT_PROCESSES);
const roomPerProcess = Math.ceil(ROOM_SIZE / CLIENT_PROCESSES);
const clients: ChildProcess[] = [];
for (let i = 0; i < CLIENT_PROCESSES; i++) {
  const setup = { url: ready.url, key: ready.key, count: Math.min(perProcess, CLIENTS - i * perProcess), roomMembers: roomPerProcess, roomRun: ready.roomRun, singleRun: i === 0 ? ready.singleRun : undefined };
  clients.push(start('client-process.ts', [JSON.stringify(setup)]));
}
const connected = await Promise.all(clients.map((c) => next<{ connected: number; errors: number }>(c, 'connected')));
const totalConnected = connected.reduce((n, c) => n + c.connected, 0);
const connectErrors = connected.reduce((n, c) => n + c.errors, 0);
await sleep(1000);
const stats = await (hub.send({ cmd: 'stats' }), next<{ sockets: number; rss: number; heapUsed: number }>(hub, 'stats'));
console.log(`\n[connections] ${totalConnected} client sockets open (${connectErrors} errors) in ${((Date.now() - connectStarted) / 1000).toFixed(1)} s`);
console.log(`  sockets held by the hub process: ${stats.sockets}`);
console.log(`  hub RSS: ${mib(stats.rss)} (heap used ${mib(stats.heapUsed)}), ${((stats.rss / Math.max(1, stats.sockets)) / 1024).toFixed(1)} KiB per socket`);

async function collect(phase: string): Promise<number[]> {
  const all = await Promise.all(clients.map((c) => (c.send({ cmd: 'results', phase }), next<{ data: number[] }>(c, 'results'))));
  return all.flatMap((r) => r.data);
}

/** Clients report flat triples: latency, receipt time, event index. */
function byPairs(data: number[]): { latencies: number[]; receivedAt: number[]; events: number[] } {
  const latencies: number[] = [];
  const receivedAt: number[] = [];
  const events: number[] = [];
  for (let i = 0; i < data.length; i += 3) {
    latencies.push(data[i]);
    receivedAt.push(data[i + 1]);
    events.push(data[i + 2]);
  }
  return { latencies, receivedAt, events };
}

// Fan-out latency: one event every 50 ms to the room of 1,000.
const FANOUT_EVENTS = 100;
hub.send({ cmd: 'publish', runId: ready.roomRun, phase: 'fanout', count: FANOUT_EVENTS, intervalMs: 50 });
const fanPublished = await next<{ emitMs: number[] }>(hub, 'published');
await sleep(1500);
const fan = byPairs(await collect('fanout'));
const s1 = summary(fan.latencies);
console.log(`\n[fan-out] ${FANOUT_EVENTS} events to a room of ${ROOM_SIZE}, one every 50 ms: ${s1.n} deliveries (expected ${FANOUT_EVENTS * ROOM_SIZE})`);
console.log(`  publish → receipt per delivery: p50 ${ms(s1.p50)}, p99 ${ms(s1.p99)}, max ${ms(s1.max)}`);
const lastPerEvent = new Map<number, number>();
for (let i = 0; i < fan.latencies.length; i++) {
  const event = fan.events[i];
  lastPerEvent.set(event, Math.max(lastPerEvent.get(event) ?? 0, fan.latencies[i]));
}
const s1all = summary([...lastPerEvent.values()]);
console.log(`  publish → last of the ${ROOM_SIZE} clients has it:  p50 ${ms(s1all.p50)}, p99 ${ms(s1all.p99)}`);
const e1 = summary(fanPublished.emitMs);
console.log(`  hub-side emit (bus.publish → all ${ROOM_SIZE} frames written): p50 ${ms(e1.p50)}, p99 ${ms(e1.p99)}`);

// Throughput: a burst of events to the same room, as fast as the hub takes them.
const BURST_EVENTS = 300;
hub.send({ cmd: 'publish', runId: ready.roomRun, phase: 'burst', count: BURST_EVENTS, intervalMs: 0, batch: 10 });
const published = await next<{ firstSentAt: number }>(hub, 'published');
await sleep(5000);
const burst = byPairs(await collect('burst'));
const lastReceipt = burst.receivedAt.reduce((a, b) => (b > a ? b : a), 0);
const seconds = (lastReceipt - published.firstSentAt) / 1000;
const s2 = summary(burst.latencies);
console.log(`\n[throughput] burst of ${BURST_EVENTS} events to the room of ${ROOM_SIZE}: ${burst.latencies.length} deliveries (expected ${BURST_EVENTS * ROOM_SIZE}) in ${seconds.toFixed(2)} s`);
console.log(`  deliveries/s: ${Math.round(burst.latencies.length / seconds)}  (latency under burst: p50 ${ms(s2.p50)}, p99 ${ms(s2.p99)})`);

// Worker → client through Redis: the worker's publisher (emitter) → Redis → hub adapter → socket.
async function workerPhase(runId: string, phase: string, count: number, intervalMs: number) {
  const worker = start('worker-process.ts', [JSON.stringify({ tenantId: ready.tenantId, runId, phase, count, intervalMs })]);
  await new Promise((r) => worker.once('exit', r));
  await sleep(500);
  return summary(byPairs(await collect(phase)).latencies);
}
const w1 = await workerPhase(ready.singleRun, 'worker-single', 300, 10);
console.log(`\n[worker → client via Redis] room of 1: ${w1.n} deliveries, p50 ${ms(w1.p50)}, p99 ${ms(w1.p99)}, max ${ms(w1.max)}`);
const w2 = await workerPhase(ready.roomRun, 'worker-room', 60, 50);
console.log(`[worker → client via Redis] room of ${ROOM_SIZE}: ${w2.n} deliveries, p50 ${ms(w2.p50)}, p99 ${ms(w2.p99)}, max ${ms(w2.max)}`);

for (const c of clients) c.send({ cmd: 'stop' });
await Promise.all(clients.map((c) => new Promise((r) => c.once('exit', r))));
hub.send({ cmd: 'stop' });
await new Promise((r) => hub.once('exit', r));
fs.rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
