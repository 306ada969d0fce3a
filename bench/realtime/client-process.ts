/**
 * Benchmark clients: opens `count` Socket.IO connections (each its own
 * websocket: forceNew), joins the first `roomMembers` of them to the big
 * run room and, when asked, one extra socket to the single-client room.
 * Records when each event arrived relative to its `sentAt`.
 */
import { io, type Socket } from 'socket.io-client';
import { now } from './stats.js';

interface Setup {
  url: string;
  key: string;
  count: number;
  roomMembers: number;
  roomRun: string;
  singleRun?: string;
}

const setup = JSON.parse(process.argv[2]) as Setup;
const sockets: Socket[] = [];
/** phase → flat [latencyMs, receivedAt, eventIndex] triples */
const received = new Map<string, number[]>();
let errors = 0;

function record(event: { data: { phase: string; sentAt: number; i: number } }) {
  const t = now();
  let list = received.get(event.data.phase);
  if (!list) received.set(event.data.phase, (list = []));
  list.push(t - event.data.sentAt, t, event.data.i);
}

function open(room?: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = io(setup.url, { auth: { token: setup.key }, transports: ['websocket'], forceNew: true, reconnection: false, timeout: 60_000 });
    sockets.push(socket);
    socket.on('agent.message', record);
    socket.once('connect', async () => {
      progress.connected++;
      if (room) {
        const ack = await socket.timeout(60_000).emitWithAck('join', { room }).catch(() => ({ ok: false }));
        if (!ack.ok) errors++;
        else progress.joined++;
      }
      resolve();
    });
    socket.once('connect_error', () => {
      errors++;
      resolve();
    });
  });
}

const progress = { connected: 0, joined: 0 };
const reporter = process.env.BENCH_DEBUG
  ? setInterval(() => process.stderr.write(`client ${process.pid}: opened ${sockets.length}, connected ${progress.connected}, joined ${progress.joined}, errors ${errors}\n`), 5000)
  : undefined;
const parallel = 50;
for (let i = 0; i < setup.count; i += parallel) {
  const batch = [];
  for (let j = i; j < Math.min(setup.count, i + parallel); j++) batch.push(open(j < setup.roomMembers ? `run:${setup.roomRun}` : undefined));
  await Promise.all(batch);
}
if (setup.singleRun) await open(`run:${setup.singleRun}`);
clearInterval(reporter);
process.send!({ cmd: 'connected', connected: sockets.filter((s) => s.connected).length, errors });

// The benchmark runner went away (crash, Ctrl-C): do not linger holding sockets.
process.on('disconnect', () => process.exit(0));

process.on('message', (raw) => {
  const c = raw as { cmd: string; phase?: string };
  if (c.cmd === 'results') {
    const list = received.get(c.phase!) ?? [];
    received.delete(c.phase!);
    process.send!({ cmd: 'results', phase: c.phase, data: list });
  } else if (c.cmd === 'stop') {
    for (const s of sockets) s.disconnect();
    process.exit(0);
  }
});
