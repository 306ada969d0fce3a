import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachDialect } from '../support/databases.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { SitesRepo } from '../../core/db/repos/sites-repo.js';
import { connectSocket, settle, type TestSocket } from './socket-client.js';
import { publishLoose, seedRun, storeAndPublish } from './fixtures.js';

forEachDialect('realtime rooms', (database) => {
  let h: TestHub;
  const a = { tenantId: '', key: '', runId: '', siteId: '' };
  const b = { tenantId: '', key: '', runId: '', siteId: '' };
  const open: TestSocket[] = [];
  const connect = async (key: string) => {
    const s = await connectSocket(h.url, key);
    open.push(s);
    return s;
  };

  before(async function () {
    h = await startTestHub(database(), { REALTIME_MAX_ROOMS_PER_SOCKET: '5' });
    for (const [t, slug] of [[a, 'rt-rooms-a'], [b, 'rt-rooms-b']] as const) {
      ({ tenantId: t.tenantId, key: t.key } = await h.tenant(slug, ['runs:read', 'sites:read', 'events:read', 'sales:read']));
      t.siteId = (await new SitesRepo(h.hub.runtime.db).create(t.tenantId, { name: slug, domain: `${slug}.example.com` })).id;
      t.runId = await seedRun(h.hub.runtime, t.tenantId, t.siteId);
    }
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });
  after(async () => h.stop());

  it('joins its own tenant, run, site and agent rooms', async function () {
    const s = await connect(a.key);
    for (const room of [`tenant:${a.tenantId}`, `run:${a.runId}`, `site:${a.siteId}`, 'agent:content-generator']) {
      expect(await s.join(room), room).to.deep.equal({ ok: true, room });
    }
  });

  it("refuses joining another tenant's run, site and tenant room with an error event", async function () {
    const s = await connect(a.key);
    for (const room of [`run:${b.runId}`, `site:${b.siteId}`, `tenant:${b.tenantId}`]) {
      const ack = await s.join(room);
      expect(ack.ok, room).to.equal(false);
      expect(ack.error?.code, room).to.equal('HUB_ERR_REALTIME_ROOM_FORBIDDEN');
    }
    await settle(s);
    expect(s.errors.map((e) => [e.code, e.room])).to.deep.equal([
      ['HUB_ERR_REALTIME_ROOM_FORBIDDEN', `run:${b.runId}`],
      ['HUB_ERR_REALTIME_ROOM_FORBIDDEN', `site:${b.siteId}`],
      ['HUB_ERR_REALTIME_ROOM_FORBIDDEN', `tenant:${b.tenantId}`],
    ]);
    // And nothing of B's arrives afterwards.
    await storeAndPublish(h.hub.runtime, b.tenantId, b.runId, 'stage.started', { stage: 'secret' });
    await settle(s);
    expect(s.events).to.deep.equal([]);
  });

  it('answers an unknown run the same way as a foreign one (no probing)', async function () {
    const s = await connect(a.key);
    const ack = await s.join(`run:${randomUUID()}`);
    expect(ack.error?.code).to.equal('HUB_ERR_REALTIME_ROOM_FORBIDDEN');
  });

  it('refuses malformed and hostile join requests', async function () {
    const s = await connect(a.key);
    const bad: unknown[] = [
      'run:not-a-uuid', 'nonsense', `run:${a.runId}x`, `queue:${a.runId}`, 'agent:../../etc', 'x'.repeat(10_000),
      42, null, [], [`run:${a.runId}`], { room: 42 }, { room: `run:${a.runId}`, afterSeq: -1 }, { room: `run:${a.runId}`, afterSeq: 1.5 },
      { room: `run:${a.runId}`, afterSeq: '3' }, { room: `site:${a.siteId}`, afterSeq: 0 }, { room: `run:${a.runId}`, extra: true },
      JSON.parse(`{"room":"tenant:${a.tenantId}","__proto__":{"polluted":true}}`),
    ];
    for (const request of bad) {
      const ack = await s.emitRaw('join', request);
      expect(ack.ok, JSON.stringify(request)?.slice(0, 60)).to.equal(false);
      expect(ack.error?.code).to.equal('HUB_ERR_REALTIME_ROOM_INVALID');
    }
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    expect(s.socket.connected).to.equal(true);
  });

  it('drops a client packet larger than the limit by closing that socket only', async function () {
    const s = await connect(a.key);
    const other = await connect(a.key);
    const closed = new Promise((resolve) => s.socket.once('disconnect', resolve));
    s.socket.emit('join', { room: 'x'.repeat(64 * 1024) });
    await closed;
    expect((await other.join(`tenant:${a.tenantId}`)).ok).to.equal(true);
  });

  it('limits how fast one socket may send room requests, without dropping it', async function () {
    const s = await connect(a.key);
    const acks = await Promise.all(Array.from({ length: 125 }, (_, i) => s.emitRaw('join', { room: `agent:flood-${i % 3}` })));
    const codes = acks.map((ack) => (ack.ok ? 'ok' : ack.error?.code));
    expect(codes.filter((c) => c === 'ok')).to.have.length(120);
    expect(codes.slice(120)).to.deep.equal(Array(5).fill('HUB_ERR_RATE_LIMITED'));
    expect(s.socket.connected).to.equal(true);
  });

  it('needs runs:read for run rooms and sites:read for site rooms', async function () {
    const { key: sitesOnly } = await h.tenant('rt-rooms-a', ['sites:read']);
    const s = await connect(sitesOnly);
    expect((await s.join(`run:${a.runId}`)).error?.code).to.equal('HUB_ERR_AUTH_SCOPE');
    expect((await s.join(`tenant:${a.tenantId}`)).error?.code).to.equal('HUB_ERR_AUTH_SCOPE');
    expect((await s.join(`site:${a.siteId}`)).ok).to.equal(true);
  });

  it('limits how many rooms one socket joins', async function () {
    const s = await connect(a.key);
    for (let i = 0; i < 5; i++) expect((await s.join(`agent:agent-${i}`)).ok).to.equal(true);
    expect((await s.join('agent:agent-5')).error?.code).to.equal('HUB_ERR_REALTIME_TOO_MANY_ROOMS');
    expect((await s.join('agent:agent-0')).ok, 'rejoining a joined room is fine').to.equal(true);
    expect((await s.emitRaw('leave', { room: 'agent:agent-1' })).ok).to.equal(true);
    expect((await s.join('agent:agent-5')).ok).to.equal(true);
  });

  it('relays bus events to the rooms they belong to, once per socket', async function () {
    const tenantSocket = await connect(a.key);
    const runSocket = await connect(a.key);
    const both = await connect(a.key);
    const siteSocket = await connect(a.key);
    const agentSocket = await connect(a.key);
    const otherRun = await seedRun(h.hub.runtime, a.tenantId);
    await tenantSocket.join(`tenant:${a.tenantId}`);
    await runSocket.join(`run:${a.runId}`);
    await both.join(`tenant:${a.tenantId}`);
    await both.join(`run:${a.runId}`);
    await siteSocket.join(`site:${a.siteId}`);
    await agentSocket.join('agent:content-generator');

    const sent = await storeAndPublish(h.hub.runtime, a.tenantId, a.runId, 'agent.message', { text: 'hi' }, 'content-generator');
    await storeAndPublish(h.hub.runtime, a.tenantId, otherRun, 'run.queued');
    publishLoose(h.hub.runtime, { name: 'sale.recorded', tenantId: a.tenantId, siteId: a.siteId, data: { amount: 12 } });

    for (const s of [tenantSocket, runSocket, both, siteSocket, agentSocket]) await settle(s);
    const seen = (s: TestSocket) => s.events.map((e) => `${e.name}:${e.runId ?? e.siteId}`);
    expect(seen(tenantSocket)).to.deep.equal([`agent.message:${a.runId}`, `run.queued:${otherRun}`, `sale.recorded:${a.siteId}`]);
    expect(seen(runSocket)).to.deep.equal([`agent.message:${a.runId}`]);
    expect(seen(both)).to.deep.equal(seen(tenantSocket));
    expect(seen(siteSocket)).to.deep.equal([`sale.recorded:${a.siteId}`]);
    expect(seen(agentSocket)).to.deep.equal([`agent.message:${a.runId}`]);
    expect(runSocket.events[0]).to.deep.equal(sent);
  });

  it('delivers an event only to sockets whose credential holds its read scope', async function () {
    const socketWith = async (scopes: string[], room: string) => {
      const s = await connect((await h.tenant('rt-rooms-a', scopes)).key);
      expect((await s.join(room)).ok, `${scopes.join(',')} joins ${room}`).to.equal(true);
      return s;
    };
    const runsOnly = await socketWith(['runs:read'], `tenant:${a.tenantId}`);
    const runsAndSales = await socketWith(['runs:read', 'sales:read'], `tenant:${a.tenantId}`);
    const runsAndEvents = await socketWith(['runs:read', 'events:read'], `tenant:${a.tenantId}`);
    const siteOnly = await socketWith(['sites:read'], `site:${a.siteId}`);
    const siteAndSales = await socketWith(['sites:read', 'sales:read'], `site:${a.siteId}`);

    await storeAndPublish(h.hub.runtime, a.tenantId, a.runId, 'stage.started');
    publishLoose(h.hub.runtime, { name: 'webhook.received', tenantId: a.tenantId, siteId: a.siteId, data: { eventId: 'e-1' } });
    publishLoose(h.hub.runtime, { name: 'sale.recorded', tenantId: a.tenantId, siteId: a.siteId, data: { amount: '12.00' } });

    const all = [runsOnly, runsAndSales, runsAndEvents, siteOnly, siteAndSales];
    for (const s of all) await settle(s);
    const [runs, sales, events, site, siteSales] = all.map((s) => s.events.map((e) => e.name));
    expect(runs).to.deep.equal(['stage.started']);
    expect(sales).to.deep.equal(['stage.started', 'sale.recorded']);
    expect(events).to.deep.equal(['stage.started', 'webhook.received']);
    // The run has this site: its events reach the site room, for sockets that may read runs.
    expect(site).to.deep.equal([]);
    expect(siteSales).to.deep.equal(['sale.recorded']);
  });

  it("keeps agent rooms per tenant: B in agent:<id> never sees A's agent messages", async function () {
    const sa = await connect(a.key);
    const sb = await connect(b.key);
    await sa.join('agent:website-builder');
    await sb.join('agent:website-builder');
    await storeAndPublish(h.hub.runtime, a.tenantId, a.runId, 'agent.message', { text: 'for A' }, 'website-builder');
    await storeAndPublish(h.hub.runtime, b.tenantId, b.runId, 'agent.message', { text: 'for B' }, 'website-builder');
    await settle(sa);
    await settle(sb);
    expect(sa.events.map((e) => e.data.text)).to.deep.equal(['for A']);
    expect(sb.events.map((e) => e.data.text)).to.deep.equal(['for B']);
  });

  it('stops delivering after leave', async function () {
    const s = await connect(a.key);
    await s.join(`run:${a.runId}`);
    await storeAndPublish(h.hub.runtime, a.tenantId, a.runId, 'stage.started');
    await s.waitFor((ev) => ev.length === 1);
    expect((await s.emitRaw('leave', { room: `run:${a.runId}` })).ok).to.equal(true);
    await storeAndPublish(h.hub.runtime, a.tenantId, a.runId, 'stage.completed');
    await settle(s);
    expect(s.events.map((e) => e.name)).to.deep.equal(['stage.started']);
  });
});
