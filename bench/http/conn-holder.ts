/**
 * A load-generator child that holds many keep-alive connections to the hub
 * and sends paced (open-loop) requests over them. Run by run.ts through fork();
 * several holders split the client sockets between processes because each
 * process has its own open-file limit (ulimit -n), which the hub's server-side
 * sockets also count against.
 *
 * Raw `net` sockets and a fixed request keep the generator cheap, so the
 * figures describe the hub, not this process. Latency is measured from the
 * moment a request was due (or its connection became free), so a slow hub
 * cannot hide behind queued requests (no coordinated omission).
 *
 * Protocol (IPC): {cmd:'open'} → {type:'opened'}; {cmd:'load'} → {type:'loaded'};
 * {cmd:'count'} → {type:'counted'}; {cmd:'close'} → exit.
 */
import net from 'node:net';

interface Conn {
  socket: net.Socket;
  open: boolean;
  /** Start time (ms, performance.now) of the request in flight, or undefined when idle. */
  inflightSince?: number;
  /** Due times of requests waiting for this connection. */
  queue: number[];
  buffer: string;
  onResponse?: (status: number) => void;
}

export type HolderCommand =
  | { cmd: 'open'; host: string; port: number; count: number; batch: number; path: string; apiKey: string }
  | { cmd: 'load'; ratePerSecond: number; durationMs: number }
  | { cmd: 'count' }
  | { cmd: 'close' };

export type HolderReport =
  | { type: 'opened'; connected: number; ok: number; failed: number; ms: number }
  | { type: 'loaded'; latenciesMs: number[]; sent: number; ok: number; notOk: number; unanswered: number; queued: number }
  | { type: 'counted'; open: number }
  | { type: 'error'; message: string };

const conns: Conn[] = [];
let request = Buffer.alloc(0);
let okCount = 0;
let notOkCount = 0;
const latencies: number[] = [];

function send(report: HolderReport): void {
  process.send?.(report);
}

function parseResponses(c: Conn): void {
  // latin1 maps one byte to one char, so Content-Length counts chars exactly.
  for (;;) {
    const end = c.buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = c.buffer.slice(0, end);
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    if (c.buffer.length < end + 4 + length) return;
    c.buffer = c.buffer.slice(end + 4 + length);
    const status = Number(head.slice(9, 12));
    if (/\r\nconnection:\s*close/i.test(head)) c.open = false;
    completed(c, status);
  }
}

function completed(c: Conn, status: number): void {
  const now = performance.now();
  if (c.inflightSince !== undefined) latencies.push(now - c.inflightSince);
  c.inflightSince = undefined;
  if (status >= 200 && status < 300) okCount++;
  else notOkCount++;
  const callback = c.onResponse;
  c.onResponse = undefined;
  callback?.(status);
  const next = c.queue.shift();
  if (next !== undefined) write(c, next);
}

function write(c: Conn, since: number): void {
  if (!c.open) return;
  c.inflightSince = since;
  c.socket.write(request);
}

function connect(host: string, port: number): Promise<Conn | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const c: Conn = { socket, open: false, queue: [], buffer: '' };
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, 15_000);
    socket.setNoDelay(true);
    socket.once('connect', () => {
      clearTimeout(timer);
      c.open = true;
      resolve(c);
    });
    socket.on('data', (chunk: Buffer) => {
      c.buffer += chunk.toString('latin1');
      parseResponses(c);
    });
    socket.on('error', () => undefined); // 'close' follows and marks it
    socket.on('close', () => {
      clearTimeout(timer);
      c.open = false;
      if (c.onResponse) {
        const callback = c.onResponse;
        c.onResponse = undefined;
        callback(0);
      }
      resolve(undefined);
    });
  });
}

/** One request on the connection, resolving with its status (0 when the connection dropped). */
function requestOnce(c: Conn, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      c.onResponse = undefined;
      resolve(0);
    }, timeoutMs);
    c.onResponse = (status) => {
      clearTimeout(timer);
      resolve(status);
    };
    write(c, performance.now());
  });
}

async function open(o: Extract<HolderCommand, { cmd: 'open' }>): Promise<void> {
  request = Buffer.from(`GET ${o.path} HTTP/1.1\r\nHost: ${o.host}:${o.port}\r\nX-Api-Key: ${o.apiKey}\r\n\r\n`, 'latin1');
  const started = performance.now();
  let ok = 0;
  let failed = 0;
  // Batches keep the SYN burst under the server's accept backlog.
  for (let done = 0; done < o.count; done += o.batch) {
    const batch = await Promise.all(Array.from({ length: Math.min(o.batch, o.count - done) }, () => connect(o.host, o.port)));
    const live = batch.filter((c): c is Conn => c !== undefined);
    failed += batch.length - live.length;
    conns.push(...live);
    // One authenticated request each proves the connection reaches the hub's routes.
    const statuses = await Promise.all(live.map((c) => requestOnce(c, 15_000)));
    ok += statuses.filter((s) => s === 200).length;
  }
  latencies.length = 0;
  okCount = 0;
  notOkCount = 0;
  send({ type: 'opened', connected: conns.filter((c) => c.open).length, ok, failed, ms: performance.now() - started });
}

async function load(o: Extract<HolderCommand, { cmd: 'load' }>): Promise<void> {
  const live = conns.filter((c) => c.open);
  const total = Math.round((o.ratePerSecond * o.durationMs) / 1000);
  let sent = 0;
  let queued = 0;
  let onClosed = 0;
  let next = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    // A 2 ms tick releases every request that has come due, round-robin over the connections.
    const timer = setInterval(() => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - started) * o.ratePerSecond) / 1000));
      while (sent < due && live.length > 0) {
        const c = live[next++ % live.length];
        sent++;
        if (!c.open) {
          onClosed++;
          continue;
        }
        if (c.inflightSince === undefined) write(c, now);
        else {
          c.queue.push(now);
          queued++;
        }
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 2);
  });
  // Bounded drain: whatever has not answered 10 s after the last send counts as unanswered.
  const drainUntil = performance.now() + 10_000;
  while (performance.now() < drainUntil && live.some((c) => c.open && (c.inflightSince !== undefined || c.queue.length > 0))) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const unanswered = onClosed + live.reduce((n, c) => n + (c.inflightSince !== undefined ? 1 : 0) + c.queue.length, 0);
  send({ type: 'loaded', latenciesMs: latencies.splice(0), sent, ok: okCount, notOk: notOkCount, unanswered, queued });
}

process.on('message', (message: HolderCommand) => {
  const work = message.cmd === 'open' ? open(message)
    : message.cmd === 'load' ? load(message)
    : message.cmd === 'count' ? Promise.resolve(send({ type: 'counted', open: conns.filter((c) => c.open).length }))
    : Promise.resolve(process.exit(0));
  work.catch((err: Error) => send({ type: 'error', message: err.message }));
});
// Never outlive the bench: exit when it disconnects or after a hard bound.
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(0), 15 * 60_000).unref();
