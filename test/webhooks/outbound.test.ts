/**
 * Outbound webhooks (acceptance 5): deliveries signed per Standard Webhooks
 * (checked here by an independent HMAC computation), retried on failure,
 * dead-lettered after the schedule, redeliverable by hand; private targets
 * refused without the tenant's opt-in; tenants isolated.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import { forEachDialect } from '../support/databases.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { ds24Tenant, echoAgentPath, eventually, ipnBody, json, payment, postForm } from './support.js';

interface Received { headers: http.IncomingHttpHeaders; body: string; at: number }

/** A receiver whose answer for the n-th request is decided by `plan`. */
async function receiver(plan: (n: number) => number) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body, at: Date.now() });
      res.statusCode = plan(received.length);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Receiver-side Standard Webhooks check, independent of webhooks/verify. */
function independentlyValid(secret: string, r: Received): boolean {
  const id = String(r.headers['webhook-id']);
  const ts = String(r.headers['webhook-timestamp']);
  const expected = 'v1,' + createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64')).update(`${id}.${ts}.${r.body}`).digest('base64');
  const fresh = Math.abs(Date.now() / 1000 - Number(ts)) <= 300;
  return fresh && String(r.headers['webhook-signature']).split(' ').includes(expected);
}

forEachDialect('webhooks: outbound', (database) => {
  let hub: TestHub;
  let a: Awaited<ReturnType<typeof ds24Tenant>>;
  let b: Awaited<ReturnType<typeof ds24Tenant>>;
  let txSeq = 100;
  const sale = async () => {
    txSeq += 1;
    const res = await postForm(hub, '/webhooks/out-a/digistore24', ipnBody(payment({ order_id: `O-${txSeq}`, transaction_id: String(txSeq) })));
    expect(res.status).to.equal(200);
  };

  before(async function () {
    this.timeout(60_000);
    hub = await startTestHub(database(), {
      PLUGIN_PATHS: echoAgentPath, WEBHOOKS_RETRY_SCHEDULE: '100ms,200ms,200ms', WEBHOOKS_DELIVERY_POLL_MS: '50',
      WEBHOOKS_RELAY_POLL_MS: '100', WEBHOOKS_DELIVERY_TIMEOUT_MS: '2000',
    });
    a = await ds24Tenant(hub, 'out-a');
    b = await ds24Tenant(hub, 'out-b');
  });
  after(async function () {
    await hub?.stop();
  });

  it("subscribing to an event, or redirecting its subscription, needs the scope to read that event", async function () {
    const { key: writeOnly } = await hub.tenant('out-a', ['subscriptions:write', 'subscriptions:read']);
    const { key: withSales } = await hub.tenant('out-a', ['subscriptions:write', 'sales:read']);
    const subscribe = (key: string, eventTypes: string[]) =>
      hub.api('/api/v1/subscriptions', { method: 'POST', key, json: { url: 'https://hooks.example.com/scoped', eventTypes } });
    for (const eventTypes of [['sale.recorded'], ['webhook.received'], ['run.completed'], ['*']]) {
      const res = await subscribe(writeOnly, eventTypes);
      expect(res.status, eventTypes.join()).to.equal(403);
      expect((await res.json()).error.code).to.equal('HUB_ERR_AUTH_SCOPE');
    }
    expect((await subscribe(withSales, ['*'])).status).to.equal(403);
    const sub = await json(await subscribe(withSales, ['sale.recorded']), 201);
    // A key that may not read sales can neither point this subscription elsewhere nor widen it.
    const patch = (key: string, body: Record<string, unknown>) => hub.api(`/api/v1/subscriptions/${sub.id}`, { method: 'PATCH', key, json: body });
    expect((await patch(writeOnly, { url: 'https://attacker.example.net/x' })).status).to.equal(403);
    expect((await patch(withSales, { eventTypes: ['sale.recorded', 'run.failed'] })).status).to.equal(403);
    expect((await json(await hub.api(`/api/v1/subscriptions/${sub.id}`, { key: writeOnly }), 200)).url).to.equal('https://hooks.example.com/scoped');
    expect((await json(await patch(withSales, { url: 'https://hooks.example.com/moved' }), 200)).url).to.equal('https://hooks.example.com/moved');
    // Deliveries keep the payloads: reading them needs the events' scope too.
    const readDeliveries = (k: string) => hub.api(`/api/v1/subscriptions/${sub.id}/deliveries`, { key: k });
    expect((await readDeliveries(writeOnly)).status).to.equal(403);
    expect((await hub.api(`/api/v1/subscriptions/${sub.id}/deliveries/msg_none`, { key: writeOnly })).status).to.equal(403);
    const { key: readerWithSales } = await hub.tenant('out-a', ['subscriptions:read', 'sales:read']);
    expect((await readDeliveries(readerWithSales)).status).to.equal(200);
    expect((await hub.api(`/api/v1/subscriptions/${sub.id}`, { method: 'DELETE', key: withSales })).status).to.equal(204);
  });

  it('refuses loopback and private targets until the tenant opts in', async function () {
    for (const url of ['http://127.0.0.1:9/x', 'http://localhost/x', 'http://10.1.2.3/x', 'http://[::1]/x', 'http://169.254.169.254/latest', 'http://192.168.0.10/']) {
      const res = await hub.api('/api/v1/subscriptions', { method: 'POST', key: a.key, json: { url, eventTypes: ['sale.recorded'] } });
      expect(res.status, url).to.equal(400);
      expect((await res.json()).error.code, url).to.equal('HUB_ERR_WEBHOOK_TARGET_FORBIDDEN');
    }
    for (const url of ['ftp://example.com/x', 'http://user:pw@example.com/x', 'not a url']) {
      expect((await hub.api('/api/v1/subscriptions', { method: 'POST', key: a.key, json: { url, eventTypes: ['sale.recorded'] } })).status, url).to.equal(400);
    }
    expect((await hub.api('/api/v1/subscriptions', { method: 'POST', key: a.key, json: { url: 'https://hooks.example.com/x', eventTypes: ['no.such.event'] } })).status).to.equal(400);
    expect((await hub.api('/api/v1/subscriptions', { method: 'POST', key: a.key, json: { url: 'https://hooks.example.com/x', eventTypes: ['sale.recorded'], secret: 'whsec_tooshort' } })).status).to.equal(400);
    await json(await hub.api('/api/v1/webhook-settings', { method: 'PUT', key: a.key, json: { allowPrivateTargets: true } }), 200);
    // The opt-in is per tenant: B still cannot.
    expect((await hub.api('/api/v1/subscriptions', { method: 'POST', key: b.key, json: { url: 'http://127.0.0.1:9/x', eventTypes: ['*'] } })).status).to.equal(400);
  });

  it('a receiver failing twice gets the signed delivery on the third attempt; every attempt is visible', async function () {
    const rx = await receiver((n) => (n <= 2 ? 500 : 204));
    try {
      const sub = await json(await hub.api('/api/v1/subscriptions', { method: 'POST', key: a.key, json: { url: rx.url, eventTypes: ['sale.recorded'] } }), 201);
      expect(sub.secret).to.match(/^whsec_/);
      await sale();
      const delivery = await eventually(async () => {
        const page = await json(await hub.api(`/api/v1/subscriptions/${sub.id}/deliveries`, { key: a.key }), 200);
        return page.items[0]?.status === 'succeeded' ? page.items[0] : undefined;
      }, 15_000, 'delivery succeeded');
      expect(rx.received).to.have.length(3);
      const ids = new Set(rx.received.map((r) => r.headers['webhook-id']));
      expect([...ids]).to.deep.equal([delivery.id]);
      for (const r of rx.received) expect(independentlyValid(sub.secret, r), 'signature').to.equal(true);
      expect(independentlyValid(sub.secret, { ...rx.received[2], body: rx.received[2].body.replace('49.00', '48.00') })).to.equal(false);
      const payload = JSON.parse(rx.received[2].body);
      expect(payload.type).to.equal('sale.recorded');
      expect(payload.data).to.include({ amount: '49.00', currency: 'EUR', network: 'digistore24', kind: 'sale' });
      const detail = await json(await hub.api(`/api/v1/subscriptions/${sub.id}/deliveries/${delivery.id}`, { key: a.key }), 200);
      expect(detail.attemptLog.map((x: any) => x.statusCode)).to.deep.equal([500, 500, 204]);
      for (const x of detail.attemptLog) expect(x.latencyMs).to.be.a('number');
      // Tenant B sees none of it.
      expect((await hub.api(`/api/v1/subscriptions/${sub.id}`, { key: b.key })).status).to.equal(404);
      expect((await hub.api(`/api/v1/subscriptions/${sub.id}/deliveries`, { key: b.key })).status).to.equal(404);
      expect((await hub.api(`/api/v1/subscriptions/${sub.id}/deliveries/${delivery.id}/redeliver`, { method: 'POST', key: b.key })).status).to.equal(404);
      expect((await json(await hub.api('/api/v1/subscriptions', { key: b.key }), 200)).items).to.have.length(0);
      await json(await hub.api(`/api/v1/subscriptions/${sub.id}`, { method: 'DELETE', key: a.key }), 204);
    } finally {
      await rx.close();
    }
  });

  it('a receiver that always fails ends in dead-letter; manual redelivery sends it again', async function () {
    let healthy = false;
    const rx = await receiver(() => (healthy ? 200 : 503));
    try {
      const sub = await json(await hub.api('/api/v1/subscriptions', { method: 'POST', key: a.key, json: { url: rx.url, eventTypes: ['sale.recorded'] } }), 201);
      await sale();
      const dead = await eventually(async () => {
        const page = await json(await hub.api(`/api/v1/subscriptions/${sub.id}/deliveries?status=dead`, { key: a.key }), 200);
        return page.items[0];
      }, 15_000, 'dead-lettered delivery');
      expect(rx.received).to.have.length(4);
      const detail = await json(await hub.api(`/api/v1/subscriptions/${sub.id}/deliveries/${dead.id}`, { key: a.key }), 200);
      expect(detail.attemptLog.map((x: any) => x.statusCode)).to.deep.equal([503, 503, 503, 503]);
      expect(detail.lastStatusCode).to.equal(503);

      healthy = true;
      await json(await hub.api(`/api/v1/subscriptions/${sub.id}/deliveries/${dead.id}/redeliver`, { method: 'POST', key: a.key }), 202);
      const done = await eventually(async () => {
        const d = await json(await hub.api(`/api/v1/subscriptions/${sub.id}/deliveries/${dead.id}`, { key: a.key }), 200);
        return d.status === 'succeeded' ? d : undefined;
      }, 15_000, 'redelivered');
      expect(done.attemptLog).to.have.length(5);
      expect(rx.received).to.have.length(5);
      expect(rx.received[4].headers['webhook-id']).to.equal(dead.id);
      expect(independentlyValid(sub.secret, rx.received[4])).to.equal(true);
    } finally {
      await rx.close();
    }
  });
});
