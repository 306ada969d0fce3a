import { expect } from 'chai';
import { forEachDialect } from '../support/databases.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import type { HubEvent } from '../../core/events.js';
import { RunSequencer } from '../../dashboard/assets/run-sequencer.js';
import { connectSocket, settle, type TestSocket } from './socket-client.js';
import { seedRun, storeAndPublish } from './fixtures.js';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const seqs = (events: HubEvent[]) => events.map((e) => e.seq);

forEachDialect('realtime replay', (database) => {
  let h: TestHub;
  let tenantId: string;
  let key: string;
  const open: TestSocket[] = [];
  const connect = async (options: { reconnection?: boolean; reconnectionDelay?: number } = {}) => {
    const s = await connectSocket(h.url, key, options);
    open.push(s);
    return s;
  };
  const publish = (runId: string, n: number) => storeAndPublish(h.hub.runtime, tenantId, runId, 'agent.message', { n });

  before(async function () {
    h = await startTestHub(database());
    ({ tenantId, key } = await h.tenant('rt-replay', ['runs:read']));
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });
  after(async () => h.stop());

  it('a client that rejoins with its last seq gets exactly what it missed, then live events', async function () {
    const runId = await seedRun(h.hub.runtime, tenantId);
    const first = await connect();
    expect((await first.join(`run:${runId}`, 0)).replayed).to.equal(0);
    for (const n of range(1, 3)) await publish(runId, n);
    await first.waitFor((ev) => ev.length === 3);
    expect(seqs(first.events)).to.deep.equal([1, 2, 3]);
    first.close();

    for (const n of range(4, 8)) await publish(runId, n); // missed while away

    const second = await connect();
    const ack = await second.join(`run:${runId}`, 3);
    expect(ack).to.deep.include({ ok: true, replayed: 5, lastSeq: 8 });
    for (const n of range(9, 12)) await publish(runId, n);
    await second.waitFor((ev) => ev.length >= 9);
    await settle(second);
    expect(seqs(second.events), 'no gap, no duplicate, in order').to.deep.equal(range(4, 12));
    expect(second.events.map((e) => e.data.n)).to.deep.equal(range(4, 12));
    expect(second.events.every((e) => e.runId === runId && e.tenantId === tenantId && e.name === 'agent.message')).to.equal(true);
  });

  it('replays across storage pages (more than 500 missed events)', async function () {
    const runId = await seedRun(h.hub.runtime, tenantId);
    for (const n of range(1, 620)) await publish(runId, n);
    const s = await connect();
    const ack = await s.join(`run:${runId}`, 7);
    expect(ack).to.deep.include({ ok: true, replayed: 613, lastSeq: 620 });
    await settle(s);
    expect(seqs(s.events)).to.deep.equal(range(8, 620));
  });

  it('an auto-reconnecting client resumes through the sequencer while events keep flowing', async function () {
    const runId = await seedRun(h.hub.runtime, tenantId);
    const applied: HubEvent[] = [];
    const s = await connect({ reconnection: true, reconnectionDelay: 5 });
    let connects = 0;
    s.socket.on('connect', () => connects++);
    const sequencer = new RunSequencer<HubEvent>({
      onEvent: (e) => applied.push(e),
      onGap: (id, last) => void s.join(`run:${id}`, last),
    });
    sequencer.track(runId, 0);
    const allNames = ['agent.message'] as const;
    for (const name of allNames) s.socket.on(name, (e: HubEvent) => sequencer.push(e));
    // What the dashboard does: (re)join on every connect with the last applied seq.
    const rejoin = () => void s.join(`run:${runId}`, sequencer.lastSeq(runId));
    s.socket.on('connect', rejoin);
    rejoin();

    const total = 150;
    let dropped = 0;
    for (let n = 1; n <= total; n++) {
      await publish(runId, n);
      // Cut the connection three times mid-stream; events keep being published meanwhile.
      if (n % 40 === 0) {
        dropped++;
        s.socket.io.engine.close();
      }
      // Leave the client time to reconnect while the run goes on.
      if (n % 10 === 0) await new Promise((r) => setTimeout(r, 15));
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`applied ${applied.length}/${total}: ${JSON.stringify(seqs(applied))}`)), 15_000);
      const poll = setInterval(() => {
        if (applied.length >= total) {
          clearInterval(poll);
          clearTimeout(timer);
          resolve();
        }
      }, 20);
    });
    await settle(s);
    sequencer.dispose();
    expect(dropped).to.equal(3);
    expect(connects, 'reconnected after each cut').to.equal(3);
    expect(seqs(applied), 'applied exactly once, in order').to.deep.equal(range(1, total));
    const received = new Set(seqs(s.events));
    expect(range(1, total).filter((n) => !received.has(n)), 'raw stream has no gap').to.deep.equal([]);
  });

  it('the sequencer drops duplicates, orders early arrivals and reports a hole that stays open', async function () {
    const applied: number[] = [];
    const gaps: Array<[string, number]> = [];
    const seq = new RunSequencer<{ runId?: string; seq?: number; name?: string }>({ onEvent: (e) => applied.push(e.seq as number), onGap: (r, l) => gaps.push([r, l]), gapTimeoutMs: 30 });
    seq.track('r1', 2);
    for (const n of [1, 2, 3, 5, 3, 4, 4, 6, 8]) seq.push({ runId: 'r1', seq: n });
    expect(applied).to.deep.equal([3, 4, 5, 6]);
    await new Promise((r) => setTimeout(r, 80));
    expect(gaps).to.deep.equal([['r1', 6]]);
    seq.push({ runId: 'r1', seq: 7 });
    expect(applied).to.deep.equal([3, 4, 5, 6, 7, 8]);
    seq.push({ runId: 'untracked', seq: 99 });
    seq.push({ name: 'sale.recorded' });
    expect(applied).to.have.length(8);
    seq.dispose();
  });
});
