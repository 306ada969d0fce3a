/**
 * `npm run bench:http`: the hub's HTTP figures from one run, printed.
 *
 *  1. Closed-loop throughput and latency (autocannon) of an authenticated
 *     GET /api/v1/me with an API key and with a JWT, of the unauthenticated
 *     GET /healthz, and of a bare Koa handler answering the same JSON: each
 *     server in its own process, measured in the same run, with hub/bare ratios.
 *  2. 10,000 keep-alive connections held open by separate holder processes
 *     while 2,000 req/s are paced over those same connections: p99 and the hub
 *     process's RSS.
 *
 * Loopback only; every phase is bounded in time and the process exits by itself.
 */
import fs from 'node:fs';
import os from 'node:os';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startBenchHub, type BenchHub } from './hub-process.js';
import { measureThroughput, type ThroughputResult } from './load.js';
import { forkHolder, split, type Holder } from './holders.js';
import { cpuSeconds, machineBusySeconds, mib, peakRssBytes, rssBytes, sampleRss } from './proc-stats.js';
import { latencyBuckets, quantileUpperBoundMs } from './hub-metrics.js';

const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '20' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    'open-connections': { type: 'string', default: '10000' },
    rate: { type: 'string', default: '2000' },
    'load-seconds': { type: 'string', default: '20' },
    'per-holder': { type: 'string', default: '5000' },
    'skip-open': { type: 'boolean', default: false },
  },
});
const opt = {
  connections: Number(args.connections),
  duration: Number(args.duration),
  warmup: Number(args.warmup),
  openConnections: Number(args['open-connections']),
  rate: Number(args.rate),
  loadSeconds: Number(args['load-seconds']),
  perHolder: Number(args['per-holder']),
};

const targets = { apiKeyRps: 5000, apiKeyP99Ms: 20, jwtShare: 0.5, openP99Ms: 200, openRssBytes: 1024 ** 3 };
const children: ChildProcess[] = [];
let hub: BenchHub | undefined;

// A hard bound on the whole run, whatever hangs.
const watchdog = setTimeout(() => {
  process.stderr.write('bench: exceeded 10 minutes, giving up\n');
  killChildren();
  process.exit(1);
}, 10 * 60_000);
watchdog.unref();

function killChildren(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
process.on('exit', killChildren);
// Interrupted: children die with SIGKILL, so remove the hub's temporary data directory here.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killChildren();
    if (hub) fs.rmSync(hub.dataDir, { recursive: true, force: true });
    process.exit(130);
  });
}

function fmt(n: number, digits = 0): string {
  return Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a';
}
function verdict(ok: boolean): string {
  return ok ? 'met' : 'MISSED';
}
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function startBare(): Promise<{ url: string; pid: number }> {
  const child = fork(fileURLToPath(new URL('./bare-server.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('bare Koa server did not start within 30 s')), 30_000);
    child.once('message', (m: { port: number }) => {
      clearTimeout(timer);
      resolve(m.port);
    });
    child.once('exit', () => reject(new Error('bare Koa server exited')));
  });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid! };
}

function throughputTable(rows: ThroughputResult[]): string {
  const header = ['target', 'req/s', 'p50 ms', 'p99 ms', 'max ms', '2xx', 'non-2xx', 'errors', 'server CPU', 'µs CPU/req', 'loadgen CPU', 'others CPU'];
  const ms = (n: number) => (n < 1 ? '<1' : fmt(n));
  const lines = rows.map((r) => [
    r.name, fmt(r.requestsPerSecond), ms(r.p50Ms), ms(r.p99Ms), ms(r.maxMs), fmt(r.ok), fmt(r.notOk), fmt(r.errors),
    `${fmt(r.serverCpuPct)}%`, fmt(r.serverCpuUsPerRequest), `${fmt(r.loadGenCpuPct)}%`, `${fmt(r.othersCpuPct)}%`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [row(header), ...lines.map(row)].join('\n');
}

async function throughputPhase(bare: { url: string; pid: number }, h: BenchHub): Promise<void> {
  console.log(`\n1) Closed loop: ${opt.connections} keep-alive connections, ${opt.duration} s per target after a ${opt.warmup} s warm-up (autocannon, this process)`);
  const common = { connections: opt.connections, durationSeconds: opt.duration, warmupSeconds: opt.warmup };
  const rows: ThroughputResult[] = [];
  rows.push(await measureThroughput({ ...common, name: 'bare Koa, same JSON', url: `${bare.url}/api/v1/me`, serverPid: bare.pid }));
  rows.push(await measureThroughput({ ...common, name: 'hub GET /healthz (no auth)', url: `${h.url}/healthz`, serverPid: h.pid }));
  rows.push(await measureThroughput({ ...common, name: 'hub GET /api/v1/me, API key', url: `${h.url}/api/v1/me`, headers: { 'x-api-key': h.apiKey }, serverPid: h.pid }));
  rows.push(await measureThroughput({ ...common, name: 'hub GET /api/v1/me, JWT', url: `${h.url}/api/v1/me`, headers: { authorization: `Bearer ${h.jwt}` }, serverPid: h.pid }));
  console.log(throughputTable(rows));
  console.log('   Latency from autocannon, 1 ms resolution. CPU: % of one core over the measured run; µs CPU/req = server CPU time per request;');
  console.log('   "others" = machine busy time used neither by that server nor by the load generator (other users of the shared cores).');

  const [b, , key, jwt] = rows;
  const ratio = (a: number, c: number) => fmt(a / c, 2).padStart(5);
  console.log('\n   ratio                    req/s    p99   µs CPU/req');
  console.log(`   hub API key / bare Koa   ${ratio(key.requestsPerSecond, b.requestsPerSecond)}  ${ratio(key.p99Ms, b.p99Ms)}   ${ratio(key.serverCpuUsPerRequest, b.serverCpuUsPerRequest)}`);
  console.log(`   hub JWT / bare Koa       ${ratio(jwt.requestsPerSecond, b.requestsPerSecond)}  ${ratio(jwt.p99Ms, b.p99Ms)}   ${ratio(jwt.serverCpuUsPerRequest, b.serverCpuUsPerRequest)}`);
  console.log(`   hub JWT / hub API key    ${ratio(jwt.requestsPerSecond, key.requestsPerSecond)}  ${ratio(jwt.p99Ms, key.p99Ms)}   ${ratio(jwt.serverCpuUsPerRequest, key.serverCpuUsPerRequest)}`);
  const clean = key.notOk + key.errors + jwt.notOk + jwt.errors === 0;
  console.log(`\n   target API key >= ${fmt(targets.apiKeyRps)} req/s: ${verdict(key.requestsPerSecond >= targets.apiKeyRps)};`
    + ` API key p99 <= ${targets.apiKeyP99Ms} ms: ${verdict(key.p99Ms <= targets.apiKeyP99Ms)};`
    + ` JWT >= ${targets.jwtShare * 100}% of API key: ${verdict(jwt.requestsPerSecond >= targets.jwtShare * key.requestsPerSecond)};`
    + ` every answer 2xx: ${verdict(clean)}`);
}

async function openConnectionsPhase(h: BenchHub): Promise<void> {
  const shares = split(opt.openConnections, Math.max(1, Math.ceil(opt.openConnections / opt.perHolder)));
  console.log(`\n2) ${fmt(opt.openConnections)} keep-alive connections held open by ${shares.length} holder process${shares.length === 1 ? '' : 'es'} (${shares.map((s) => fmt(s)).join(' + ')}),`
    + ` then ${fmt(opt.rate)} req/s of GET /api/v1/me (API key) paced evenly over those same connections for ${opt.loadSeconds} s`);
  const holders: Holder[] = shares.map(() => forkHolder());
  for (const holder of holders) children.push(holder.child);
  try {
    const rssBefore = rssBytes(h.pid);
    const opened = await Promise.all(holders.map((holder, i) => holder.ask(
      { cmd: 'open', host: '127.0.0.1', port: h.port, count: shares[i], batch: 500, path: '/api/v1/me', apiKey: h.apiKey },
      'opened', 180_000,
    )));
    const rssOpen = rssBytes(h.pid);
    const connected = opened.reduce((n, o) => n + o.connected, 0);
    const firstOk = opened.reduce((n, o) => n + o.ok, 0);
    const failed = opened.reduce((n, o) => n + o.failed, 0);
    const openMs = Math.max(...opened.map((o) => o.ms));
    console.log(`   opened ${fmt(connected)} connections in ${fmt(openMs / 1000, 1)} s (${fmt(failed)} failed); one authenticated GET on each answered 200: ${fmt(firstOk)}`);

    const rateShares = split(opt.rate, holders.length);
    const buckets0 = await latencyBuckets(h.url, 'GET', '/api/v1/me', 200);
    const sampler = sampleRss(h.pid, 200);
    const holdersCpu = () => holders.reduce((n, holder) => n + cpuSeconds(holder.child.pid!), 0);
    const hubCpu0 = cpuSeconds(h.pid);
    const holders0 = holdersCpu();
    const self0 = process.cpuUsage();
    const machine0 = machineBusySeconds();
    const wall0 = process.hrtime.bigint();
    const loaded = await Promise.all(holders.map((holder, i) => holder.ask(
      { cmd: 'load', ratePerSecond: rateShares[i], durationMs: opt.loadSeconds * 1000 },
      'loaded', opt.loadSeconds * 1000 + 60_000,
    )));
    const wall = Number(process.hrtime.bigint() - wall0) / 1e9;
    const hubCpu = cpuSeconds(h.pid) - hubCpu0;
    const holderCpu = holdersCpu() - holders0;
    const selfUsage = process.cpuUsage(self0);
    const machineCpu = machineBusySeconds() - machine0;
    const othersCpu = Math.max(0, machineCpu - hubCpu - holderCpu - (selfUsage.user + selfUsage.system) / 1e6);
    const rssPeak = sampler.stop();
    const buckets1 = await latencyBuckets(h.url, 'GET', '/api/v1/me', 200);
    const counted = await Promise.all(holders.map((holder) => holder.ask({ cmd: 'count' }, 'counted', 10_000)));
    const stillOpen = counted.reduce((n, c) => n + c.open, 0);

    const latencies = loaded.flatMap((l) => l.latenciesMs).sort((a, b) => a - b);
    const sent = loaded.reduce((n, l) => n + l.sent, 0);
    const ok = loaded.reduce((n, l) => n + l.ok, 0);
    const notOk = loaded.reduce((n, l) => n + l.notOk, 0);
    const unanswered = loaded.reduce((n, l) => n + l.unanswered, 0);
    const queued = loaded.reduce((n, l) => n + l.queued, 0);
    const p99 = percentile(latencies, 99);
    console.log(`   load: ${fmt(sent)} requests due (${fmt(sent / opt.loadSeconds)} req/s), ${fmt(ok)} answered 2xx, ${fmt(notOk)} non-2xx, ${fmt(unanswered)} unanswered, ${fmt(queued)} waited for a busy connection`);
    console.log(`   latency ms: p50 ${fmt(percentile(latencies, 50), 1)}  p90 ${fmt(percentile(latencies, 90), 1)}  p99 ${fmt(p99, 1)}  p99.9 ${fmt(percentile(latencies, 99.9), 1)}  max ${fmt(latencies.at(-1) ?? NaN, 1)}`);
    console.log(`   hub RSS: ${mib(rssBefore)} before opening, ${mib(rssOpen)} with the connections open, ${mib(rssPeak)} peak under load (sampled every 200 ms), VmHWM ${mib(peakRssBytes(h.pid))}`);
    const inHub = (q: number) => `<= ${fmt(quantileUpperBoundMs(buckets0, buckets1, q))}`;
    console.log(`   inside the hub (its /metrics histogram, bucket bounds): p50 ${inHub(0.5)} ms, p99 ${inHub(0.99)} ms`);
    const pct = (cpu: number) => `${fmt((100 * cpu) / wall)}%`;
    console.log(`   CPU during load (% of one core; 2 cores = 200%): hub ${pct(hubCpu)}, holders ${pct(holderCpu)}, others on the machine ${pct(othersCpu)}`);
    console.log(`   connections still open after the load: ${fmt(stillOpen)} / ${fmt(opt.openConnections)}`);
    console.log(`\n   target ${fmt(opt.openConnections)} open: ${verdict(stillOpen >= opt.openConnections)};`
      + ` p99 <= ${targets.openP99Ms} ms at ${fmt(opt.rate)} req/s: ${verdict(p99 <= targets.openP99Ms && unanswered === 0 && notOk === 0)};`
      + ` hub RSS <= 1 GiB: ${verdict(rssPeak <= targets.openRssBytes)}`);
  } finally {
    await Promise.all(holders.map((holder) => holder.ask({ cmd: 'close' }, 'counted', 5_000).catch(() => undefined)));
    killChildren();
  }
}

async function main(): Promise<void> {
  const cpus = os.cpus();
  console.log(`Switchyard HTTP bench, ${new Date().toISOString()}`);
  console.log(`node ${process.version}, ${cpus.length} CPUs (${cpus[0]?.model.trim()}), load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('Shared machine: other work on these cores shows in the "others CPU" figures and moves the numbers between runs.');
  const bare = await startBare();
  hub = await startBenchHub();
  children.push(hub.process.child);
  console.log(`hub: \`switchyard start\` pid ${hub.pid} on ${hub.url}, embedded SQLite, LOG_LEVEL=info, RATE_LIMIT_PER_KEY/PER_IP raised to 1e9/min; bare Koa pid ${bare.pid}`);

  await throughputPhase(bare, hub);
  if (!args['skip-open']) await openConnectionsPhase(hub);
  console.log(`\nload average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
} finally {
  await hub?.stop().catch(() => undefined);
  killChildren();
  clearTimeout(watchdog);
}
