/**
 * Closed-loop throughput runs with autocannon: a fixed number of keep-alive
 * connections, each sending its next request when the previous one answers.
 * A short warm-up run first lets V8 optimise the hot paths and fills the API
 * key cache; only the measured run is reported. CPU time of the server
 * process, of this (load generator) process and of the whole machine is taken
 * over the measured run so the report can show what bounded the figures.
 */
import autocannon from 'autocannon';
import { cpuSeconds, machineBusySeconds } from './proc-stats.js';

export interface ThroughputOptions {
  name: string;
  url: string;
  headers?: Record<string, string>;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** The server process, for its CPU share. */
  serverPid: number;
}

export interface ThroughputResult {
  name: string;
  requestsPerSecond: number;
  /** autocannon's latency percentiles have 1 ms resolution. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  ok: number;
  notOk: number;
  errors: number;
  /** CPU used during the measured run, in % of one core. */
  serverCpuPct: number;
  /** Server CPU time per answered request: its cost, which sharing the machine moves far less than req/s. */
  serverCpuUsPerRequest: number;
  loadGenCpuPct: number;
  /** Busy CPU of the machine not used by the server or the load generator, % of one core. */
  othersCpuPct: number;
}

function run(opts: autocannon.Options): Promise<autocannon.Result> {
  return autocannon(opts) as unknown as Promise<autocannon.Result>;
}

export async function measureThroughput(o: ThroughputOptions): Promise<ThroughputResult> {
  const base: autocannon.Options = { url: o.url, headers: o.headers, connections: o.connections, pipelining: 1, timeout: 10 };
  if (o.warmupSeconds > 0) await run({ ...base, duration: o.warmupSeconds });

  const server0 = cpuSeconds(o.serverPid);
  const self0 = process.cpuUsage();
  const machine0 = machineBusySeconds();
  const wall0 = process.hrtime.bigint();
  const r = await run({ ...base, duration: o.durationSeconds });
  const wall = Number(process.hrtime.bigint() - wall0) / 1e9;
  const server = cpuSeconds(o.serverPid) - server0;
  const selfUsage = process.cpuUsage(self0);
  const self = (selfUsage.user + selfUsage.system) / 1e6;
  const machine = machineBusySeconds() - machine0;

  return {
    name: o.name,
    requestsPerSecond: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    ok: r['2xx'],
    notOk: r.non2xx,
    errors: r.errors, // includes timeouts
    serverCpuPct: (100 * server) / wall,
    serverCpuUsPerRequest: (1e6 * server) / Math.max(1, r.requests.total),
    loadGenCpuPct: (100 * self) / wall,
    othersCpuPct: Math.max(0, (100 * (machine - server - self)) / wall),
  };
}
