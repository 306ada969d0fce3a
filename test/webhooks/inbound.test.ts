/**
 * Inbound webhooks end to end on a real hub, on SQLite and on PostgreSQL:
 * Digistore24 IPNs (acceptance 1 and 2), endpoint checks, unknown events,
 * duplicates, the bounded rejection log, bad input (acceptance 6),
 * cross-tenant isolation, SendGrid / generic HMAC / AWIN over HTTP, and replay.
 */
import { generateKeyPairSync, sign as ecSign, createHmac } from 'node:crypto';
import { expect } from 'chai';
import { forEachDialect } from '../support/databases.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { PASSPHRASE, ds24Tenant, echoAgentPath, eventually, ipnBody, json, payment, postForm } from './support.js';

forEachDialect('webhooks: inbound', (database) => {
  let hub: TestHub;
  let a: Awaited<ReturnType<typeof ds24Tenant>>;
  let b: Awaited<ReturnType<typeof ds24Tenant>>;
  const db = () => hub.hub.runtime.db;
  const count = async (table: string, where: Record<string, unknown> = {}) => Number((await db()(table).where(where).count({ c: '*' }))[0].c);
  const relayIdle = () => eventually(async () => (await count('webhook_outbox', { status: 'pending' })) === 0, 15_000, 'relay idle');

  before(async function () {
    this.timeout(60_000);
    hub = await startTestHub(database(), {
      PLUGIN_PATHS: echoAgentPath, WEBHOOKS_BODY_LIMIT_BYTES: '4096', WEBHOOKS_REJECTION_LOG_SIZE: '5',
      WEBHOOKS_RELAY_POLL_MS: '100', RUN_SWEEP_INTERVAL_MS: '500',
    });
    a = await ds24Tenant(hub, 'shop-a');
    b = await ds24Tenant(hub, 'shop-b');
  });
  after(async function () {
    await hub?.stop();
  });

  it('acceptance 1: a valid IPN is answered OK, stored once, recorded as one sale and starts the mapped pipeline once', async function () {
    const body = ipnBody(payment());
    const res = await postForm(hub, '/webhooks/shop-a/digistore24', body);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/plain/);
    expect(await res.text()).to.equal('OK');

    const events = await json(await hub.api('/api/v1/events?connector=digistore24', { key: a.key }), 200);
    expect(events.total).to.equal(1);
    const eventId = events.items[0].id;
    expect(events.items[0]).to.include({ type: 'digistore24.payment', providerEventId: 'on_payment:ORD-1001:5001', duplicates: 0 });

    const detail = await eventually(async () => {
      const d = await json(await hub.api(`/api/v1/events/${eventId}`, { key: a.key }), 200);
      return d.runs.length === 1 && d.runs[0].runId ? d : undefined;
    }, 15_000, 'the run started by the rule');
    expect(detail.request.body).to.equal(body);
    expect(detail.request.method).to.equal('POST');
    expect(detail.sales).to.have.length(1);
    const run = await eventually(async () => {
      const r = await json(await hub.api(`/api/v1/runs/${detail.runs[0].runId}`, { key: a.key }), 200);
      return r.status === 'completed' ? r : undefined;
    }, 15_000, 'run completed');
    expect(run.idempotencyKey).to.equal(`webhook:${eventId}:${a.ruleId}`);

    // The same IPN again: OK, a duplicate, no second sale, no second run.
    const again = await postForm(hub, '/webhooks/shop-a/digistore24', body);
    expect(again.status).to.equal(200);
    expect(await again.text()).to.equal('OK');
    await relayIdle();
    const after = await json(await hub.api('/api/v1/events?connector=digistore24', { key: a.key }), 200);
    expect(after.total).to.equal(1);
    expect(after.items[0].duplicates).to.equal(1);
    expect((await json(await hub.api('/api/v1/sales', { key: a.key }), 200)).total).to.equal(1);
    expect((await json(await hub.api(`/api/v1/runs?pipelineId=${a.pipelineId}`, { key: a.key }), 200)).total).to.equal(1);
    expect(await count('webhook_requests', { tenant_id: a.tenantId })).to.equal(2);
    expect(await count('webhook_requests', { tenant_id: a.tenantId, outcome: 'duplicate' })).to.equal(1);

    // A wrong sha_sign: rejected, nothing in the ledger, one audit record.
    const forged = ipnBody(payment({ order_id: 'ORD-FORGED', transaction_id: '9999' }), 'not-the-passphrase');
    const bad = await postForm(hub, '/webhooks/shop-a/digistore24', forged);
    expect(bad.status).to.equal(403);
    expect((await bad.json()).error.code).to.equal('HUB_ERR_WEBHOOK_SIGNATURE_INVALID');
    await relayIdle();
    expect((await json(await hub.api('/api/v1/sales', { key: a.key }), 200)).total).to.equal(1);
    expect((await json(await hub.api('/api/v1/events', { key: a.key }), 200)).total).to.equal(1);
    const rejections = await json(await hub.api('/api/v1/webhook-rejections', { key: a.key }), 200);
    expect(rejections.items).to.have.length(1);
    expect(rejections.items[0]).to.include({ connector: 'digistore24', reason: 'sha_sign does not match' });
  });

  it('a wrong-tenant URL does not verify with another tenant\'s passphrase', async function () {
    await json(await hub.api('/api/v1/plugins/digistore24/credentials', { method: 'PUT', key: b.key, json: { ipnPassphrase: 'tenant-b-own-passphrase' } }), 200);
    const res = await postForm(hub, '/webhooks/shop-b/digistore24', ipnBody(payment({ order_id: 'ORD-X', transaction_id: '7777' })));
    expect(res.status).to.equal(403);
    expect((await json(await hub.api('/api/v1/events', { key: b.key }), 200)).total).to.equal(0);
  });

  it('acceptance 2: refunds and chargebacks reverse their sales; site revenue is net of them, whatever the arrival order', async function () {
    const site = await json(await hub.api('/api/v1/sites', { method: 'POST', key: a.key, json: { name: 'Reviews', domain: 'reviews.example.com' } }), 201);
    const day = { transaction_date: '2025-04-01', transaction_time: '09:00:00' };
    const post = async (fields: Record<string, string>) => {
      const res = await postForm(hub, '/webhooks/shop-a/digistore24', ipnBody(fields));
      expect(res.status, await res.clone().text()).to.equal(200);
    };
    await post(payment({ ...day, order_id: 'R-1', transaction_id: '8001', amount: '30.00', custom: `m:x;site:${site.id}` }));
    await post(payment({ ...day, order_id: 'R-2', transaction_id: '8002', amount: '20.00', custom: 'reviews.example.com' }));
    await post(payment({ ...day, order_id: 'R-3', transaction_id: '8003', amount: '10.00', custom: site.id }));
    await relayIdle();
    await post(payment({ ...day, event: 'on_refund', order_id: 'R-1', transaction_id: '8101', amount: '30.00', custom: '' }));
    await post(payment({ ...day, event: 'on_chargeback', order_id: 'R-2', transaction_id: '8102', amount: '20.00', custom: '' }));
    // the refund arrives before its sale.
    await post(payment({ ...day, event: 'on_refund', order_id: 'R-4', transaction_id: '8104', amount: '15.00', custom: site.id }));
    await relayIdle();
    await post(payment({ ...day, order_id: 'R-4', transaction_id: '8004', amount: '15.00', custom: site.id }));
    await relayIdle();

    const sales = await json(await hub.api(`/api/v1/sales?siteId=${site.id}&limit=50`, { key: a.key }), 200);
    const byTx = Object.fromEntries(sales.items.map((s: any) => [s.transactionId, s]));
    expect(byTx['8001'].status).to.equal('refunded');
    expect(byTx['8002'].status).to.equal('charged_back');
    expect(byTx['8003'].status).to.equal('recorded');
    expect(byTx['8004'].status).to.equal('refunded');
    expect(byTx['8101']).to.include({ kind: 'refund', amount: '-30.00', originalSaleId: byTx['8001'].id });
    expect(byTx['8102']).to.include({ kind: 'chargeback', amount: '-20.00', originalSaleId: byTx['8002'].id });
    expect(byTx['8104']).to.include({ kind: 'refund', originalSaleId: byTx['8004'].id });

    const revenue = await json(await hub.api(`/api/v1/sites/${site.id}/revenue?from=2025-04-01&to=2025-04-30`, { key: a.key }), 200);
    expect(revenue.days).to.deep.equal([{ day: '2025-04-01', network: 'digistore24', currency: 'EUR', gross: '75.00', reversed: '65.00', net: '10.00', transactions: 7 }]);
    expect(revenue.totals).to.deep.equal([{ currency: 'EUR', net: '10.00' }]);
    // Tenant B cannot read tenant A's site revenue or sales.
    expect((await hub.api(`/api/v1/sites/${site.id}/revenue`, { key: b.key })).status).to.equal(404);
    expect((await json(await hub.api('/api/v1/sales', { key: b.key }), 200)).total).to.equal(0);
  });

  it("keeps each currency's minor unit: JPY has none, KWD three; revenue per currency", async function () {
    const site = await json(await hub.api('/api/v1/sites', { method: 'POST', key: a.key, json: { name: 'Tokyo', domain: 'tokyo.example.com' } }), 201);
    const day = { transaction_date: '2025-05-02', transaction_time: '10:00:00', custom: site.id };
    for (const fields of [
      payment({ ...day, order_id: 'J-1', transaction_id: '8201', amount: '12000', currency: 'JPY' }),
      payment({ ...day, order_id: 'J-2', transaction_id: '8202', amount: '980', currency: 'JPY' }),
      payment({ ...day, order_id: 'K-1', transaction_id: '8203', amount: '12.345', currency: 'KWD' }),
    ]) expect((await postForm(hub, '/webhooks/shop-a/digistore24', ipnBody(fields))).status).to.equal(200);
    await relayIdle();
    expect((await postForm(hub, '/webhooks/shop-a/digistore24', ipnBody(payment({ ...day, event: 'on_refund', order_id: 'J-2', transaction_id: '8301', amount: '980', currency: 'JPY' })))).status).to.equal(200);
    await relayIdle();

    const sales = await json(await hub.api(`/api/v1/sales?siteId=${site.id}&limit=50`, { key: a.key }), 200);
    expect(Object.fromEntries(sales.items.map((s: any) => [s.transactionId, s.amount]))).to.deep.equal({ 8201: '12000', 8202: '980', 8203: '12.345', 8301: '-980' });
    const revenue = await json(await hub.api(`/api/v1/sites/${site.id}/revenue?from=2025-05-01&to=2025-05-31`, { key: a.key }), 200);
    expect(revenue.days).to.deep.equal([
      { day: '2025-05-02', network: 'digistore24', currency: 'JPY', gross: '12980', reversed: '980', net: '12000', transactions: 3 },
      { day: '2025-05-02', network: 'digistore24', currency: 'KWD', gross: '12.345', reversed: '0.000', net: '12.345', transactions: 1 },
    ]);
    expect(revenue.totals).to.deep.equal([{ currency: 'JPY', net: '12000' }, { currency: 'KWD', net: '12.345' }]);
  });

  it('answers the endpoint-validation GET and connection_test with OK; accepts unknown signed events without acting', async function () {
    const get = await fetch(`${hub.url}/webhooks/shop-a/digistore24`);
    expect(get.status).to.equal(200);
    expect(await get.text()).to.equal('OK');
    const test = await postForm(hub, '/webhooks/shop-a/digistore24', ipnBody({ event: 'connection_test' }));
    expect(test.status).to.equal(200);
    expect(await test.text()).to.equal('OK');
    const unknown = await postForm(hub, '/webhooks/shop-a/digistore24', ipnBody({ event: 'on_brand_new_thing', order_id: 'U-1', transaction_id: '1' }));
    expect(await unknown.text()).to.equal('OK');
    await relayIdle();
    const events = await json(await hub.api('/api/v1/events?type=digistore24.on_brand_new_thing', { key: a.key }), 200);
    expect(events.total).to.equal(1);
    const detail = await json(await hub.api(`/api/v1/events/${events.items[0].id}`, { key: a.key }), 200);
    expect(detail.sales).to.have.length(0);
    expect(detail.runs).to.have.length(0);
  });

  it('trigger rule filters decide whether a pipeline starts', async function () {
    const rule = await json(await hub.api('/api/v1/trigger-rules', {
      method: 'POST', key: a.key,
      json: { name: 'big sales', eventType: 'digistore24.*', pipelineId: a.pipelineId, filters: [{ path: 'ledger.amount', op: 'gte', value: 100 }], inputMapping: { order: '{{data.order_id}}' } },
    }), 201);
    await postForm(hub, '/webhooks/shop-a/digistore24', ipnBody(payment({ order_id: 'F-1', transaction_id: '9101', amount: '99.99' })));
    await postForm(hub, '/webhooks/shop-a/digistore24', ipnBody(payment({ order_id: 'F-2', transaction_id: '9102', amount: '150.00' })));
    await relayIdle();
    const runsFor = async (order: string) => {
      const events = await json(await hub.api('/api/v1/events?type=digistore24.payment&limit=100', { key: a.key }), 200);
      const ev = events.items.find((e: any) => e.data.order_id === order);
      return (await json(await hub.api(`/api/v1/events/${ev.id}`, { key: a.key }), 200)).runs.map((r: any) => r.ruleId);
    };
    expect(await runsFor('F-1')).to.deep.equal([a.ruleId]);
    expect((await runsFor('F-2')).sort()).to.deep.equal([a.ruleId, rule.id].sort());
    await json(await hub.api(`/api/v1/trigger-rules/${rule.id}`, { method: 'DELETE', key: a.key }), 204);
  });

  it('replay re-verifies the stored request and fires the rules again; fails once the credentials changed', async function () {
    const events = await json(await hub.api('/api/v1/events?type=digistore24.payment&limit=100', { key: a.key }), 200);
    const ev = events.items.find((e: any) => e.data.order_id === 'ORD-1001');
    const replay = await json(await hub.api(`/api/v1/events/${ev.id}/replay`, { method: 'POST', key: a.key }), 202);
    const detail = await eventually(async () => {
      const d = await json(await hub.api(`/api/v1/events/${ev.id}`, { key: a.key }), 200);
      return d.runs.length === 2 ? d : undefined;
    }, 15_000, 'replayed run');
    expect(detail.runs.map((r: any) => r.replayId)).to.include(replay.replayId);
    expect(new Set(detail.runs.map((r: any) => r.runId)).size).to.equal(2);
    expect(detail.sales).to.have.length(1);
    // Tenant B cannot see or replay it.
    expect((await hub.api(`/api/v1/events/${ev.id}`, { key: b.key })).status).to.equal(404);
    expect((await hub.api(`/api/v1/events/${ev.id}/replay`, { method: 'POST', key: b.key })).status).to.equal(404);
    expect((await json(await hub.api('/api/v1/events', { key: b.key }), 200)).total).to.equal(0);

    await json(await hub.api('/api/v1/plugins/digistore24/credentials', { method: 'PUT', key: a.key, json: { ipnPassphrase: 'rotated-passphrase' } }), 200);
    const refused = await hub.api(`/api/v1/events/${ev.id}/replay`, { method: 'POST', key: a.key });
    expect(refused.status).to.equal(409);
    expect((await refused.json()).error.code).to.equal('HUB_ERR_WEBHOOK_REPLAY_REJECTED');
    await json(await hub.api('/api/v1/plugins/digistore24/credentials', { method: 'PUT', key: a.key, json: { ipnPassphrase: PASSPHRASE } }), 200);
  });

  it('acceptance 6: oversized, unknown and malformed requests get 413/404/400, store nothing and do not hurt the hub', async function () {
    const before = { requests: await count('webhook_requests'), events: await count('webhook_events'), rejections: await count('webhook_rejections') };
    const big = ipnBody(payment({ order_id: 'BIG', transaction_id: '1', custom: 'x'.repeat(5000) }));
    const cases: Array<[string, string, string, Record<string, string>, number, string]> = [
      ['oversized body', '/webhooks/shop-a/digistore24', big, {}, 413, 'HUB_ERR_HTTP_BODY_TOO_LARGE'],
      ['unknown connector', '/webhooks/shop-a/no-such-network', ipnBody(payment()), {}, 404, 'HUB_ERR_WEBHOOK_UNKNOWN_SOURCE'],
      ['unknown tenant', '/webhooks/no-such-tenant/digistore24', ipnBody(payment()), {}, 404, 'HUB_ERR_WEBHOOK_UNKNOWN_SOURCE'],
      ['connector with a source segment', '/webhooks/shop-a/digistore24/extra', ipnBody(payment()), {}, 404, 'HUB_ERR_WEBHOOK_UNKNOWN_SOURCE'],
      ['unknown generic source', '/webhooks/shop-a/generic/nope', '{}', { 'content-type': 'application/json' }, 404, 'HUB_ERR_WEBHOOK_UNKNOWN_SOURCE'],
      ['hostile path', '/webhooks/shop-a/..%2f..%2fetc', 'a=b', {}, 404, 'HUB_ERR_WEBHOOK_UNKNOWN_SOURCE'],
      ['malformed form (bad %-escape)', '/webhooks/shop-a/digistore24', 'event=on_payment&amount=%ZZ', {}, 400, 'HUB_ERR_WEBHOOK_MALFORMED'],
      ['JSON to a form endpoint', '/webhooks/shop-a/digistore24', '{"event":"on_payment"}', { 'content-type': 'application/json' }, 400, 'HUB_ERR_WEBHOOK_MALFORMED'],
      ['empty form', '/webhooks/shop-a/digistore24', '', {}, 400, 'HUB_ERR_WEBHOOK_MALFORMED'],
      ['malformed JSON to SendGrid', '/webhooks/shop-a/sendgrid', '[{"event":', { 'content-type': 'application/json' }, 400, 'HUB_ERR_WEBHOOK_MALFORMED'],
      ['JSON object instead of an array to SendGrid', '/webhooks/shop-a/sendgrid', '{"event":"x"}', { 'content-type': 'application/json' }, 400, 'HUB_ERR_WEBHOOK_MALFORMED'],
    ];
    for (const [name, path, body, headers, status, code] of cases) {
      const res = await postForm(hub, path, body, headers);
      expect(res.status, name).to.equal(status);
      expect((await res.json()).error.code, name).to.equal(code);
    }
    const nonUtf8 = await fetch(`${hub.url}/webhooks/shop-a/digistore24`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from([0x65, 0x3d, 0xff, 0xfe]) });
    expect(nonUtf8.status).to.equal(400);
    const put = await fetch(`${hub.url}/webhooks/shop-a/digistore24`, { method: 'PUT', body: 'x' });
    expect(put.status).to.equal(405);
    expect({ requests: await count('webhook_requests'), events: await count('webhook_events'), rejections: await count('webhook_rejections') }).to.deep.equal(before);
    expect((await fetch(`${hub.url}/healthz`)).status).to.equal(200);
    const ok = await postForm(hub, '/webhooks/shop-a/digistore24', ipnBody(payment({ order_id: 'AFTER', transaction_id: '4242' })));
    expect(await ok.text()).to.equal('OK');
  });

  it('keeps rejected requests in a bounded, size-capped ring', async function () {
    const bodyText = ipnBody(payment({ custom: 'y'.repeat(3000) }), 'wrong');
    for (let i = 0; i < 12; i++) {
      const res = await postForm(hub, '/webhooks/shop-b/digistore24', bodyText);
      expect(res.status).to.equal(403);
    }
    const missing = await postForm(hub, '/webhooks/shop-b/digistore24', 'event=on_payment&order_id=1');
    expect(missing.status).to.equal(401);
    expect(await count('webhook_rejections', { tenant_id: b.tenantId })).to.equal(5);
    const rows = await json(await hub.api('/api/v1/webhook-rejections?limit=100', { key: b.key }), 200);
    expect(rows.items).to.have.length(5);
    for (const r of rows.items) expect(r.bodyPrefix.length).to.be.at.most(512);
    expect(rows.items.some((r: any) => r.bodySize > 3000)).to.equal(true);
    // Tenant A's audit log is its own.
    const aRows = await json(await hub.api('/api/v1/webhook-rejections?limit=100', { key: a.key }), 200);
    expect(aRows.items.every((r: any) => r.connector === 'digistore24')).to.equal(true);
    expect(aRows.items).to.have.length(1);
  });

  it('SendGrid signed batches verify, dedupe per sg_event_id and reject tampering', async function () {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    await json(await hub.api('/api/v1/plugins/sendgrid/credentials', { method: 'PUT', key: a.key, json: { webhookPublicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64') } }), 200);
    const ts = String(Math.floor(Date.now() / 1000));
    const body = JSON.stringify([
      { email: 'r@example.com', event: 'delivered', sg_event_id: 'sg-evt-1', timestamp: Number(ts) },
      { email: 'r@example.com', event: 'open', sg_event_id: 'sg-evt-2', timestamp: Number(ts) },
    ]);
    const headers = (b: string, t = ts) => ({
      'content-type': 'application/json',
      'x-twilio-email-event-webhook-timestamp': t,
      'x-twilio-email-event-webhook-signature': ecSign('sha256', Buffer.from(t + b), privateKey).toString('base64'),
    });
    const first = await json(await postForm(hub, '/webhooks/shop-a/sendgrid', body, headers(body)), 200);
    expect(first.events.map((e: any) => [e.type, e.duplicate])).to.deep.equal([['sendgrid.delivered', false], ['sendgrid.open', false]]);
    const second = await json(await postForm(hub, '/webhooks/shop-a/sendgrid', body, headers(body)), 200);
    expect(second.outcome).to.equal('duplicate');
    expect(second.events.map((e: any) => e.id)).to.deep.equal(first.events.map((e: any) => e.id));
    const tampered = await postForm(hub, '/webhooks/shop-a/sendgrid', body.replace('open', 'click'), headers(body));
    expect(tampered.status).to.equal(403);
    const stale = String(Number(ts) - 3600);
    expect((await postForm(hub, '/webhooks/shop-a/sendgrid', body, headers(body, stale))).status).to.equal(403);
    expect((await json(await hub.api('/api/v1/events?connector=sendgrid', { key: a.key }), 200)).total).to.equal(2);
  });

  it('generic HMAC sources and AWIN notifications work over HTTP', async function () {
    const secret = 'n8n-shared-secret-0123456789';
    await json(await hub.api('/api/v1/webhook-sources', {
      method: 'POST', key: a.key,
      json: { name: 'n8n', secret, signatureHeader: 'X-Hub-Signature', algorithm: 'sha256', encoding: 'hex', signaturePrefix: 'sha256=', timestampHeader: 'X-Hub-Timestamp', toleranceSeconds: 300, eventIdPath: 'id', eventTypePath: 'kind' },
    }), 201);
    const body = JSON.stringify({ id: 'n8n-1', kind: 'lead_created', email: 'x@example.com' });
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = 'sha256=' + createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
    const ok = await json(await postForm(hub, '/webhooks/shop-a/generic/n8n', body, { 'content-type': 'application/json', 'x-hub-signature': sig, 'x-hub-timestamp': ts }), 200);
    expect(ok.events[0]).to.include({ type: 'generic.n8n.lead_created', duplicate: false });
    expect((await postForm(hub, '/webhooks/shop-a/generic/n8n', body, { 'content-type': 'application/json', 'x-hub-timestamp': ts })).status).to.equal(401);
    expect((await postForm(hub, '/webhooks/shop-a/generic/n8n', body, { 'content-type': 'application/json', 'x-hub-signature': sig.slice(0, -1) + (sig.endsWith('0') ? '1' : '0'), 'x-hub-timestamp': ts })).status).to.be.oneOf([401, 403]);
    expect((await postForm(hub, '/webhooks/shop-a/generic/n8n', '{bad json', { 'content-type': 'application/json', 'x-hub-signature': sig, 'x-hub-timestamp': ts })).status).to.equal(400);
    // Tenant B has no such source.
    expect((await postForm(hub, '/webhooks/shop-b/generic/n8n', body, { 'content-type': 'application/json', 'x-hub-signature': sig, 'x-hub-timestamp': ts })).status).to.equal(404);

    const token = 'awin-notification-token-0123456789';
    await json(await hub.api('/api/v1/plugins/awin/credentials', { method: 'PUT', key: a.key, json: { webhookToken: token } }), 200);
    const q = new URLSearchParams({ token, transactionId: '700001', status: 'approved', commission: '4.20', currency: 'EUR', clickRef: 'reviews.example.com' });
    const awin = await fetch(`${hub.url}/webhooks/shop-a/awin?${q}`);
    expect(awin.status).to.equal(200);
    q.set('token', 'wrong-token-wrong-token-wrong');
    expect((await fetch(`${hub.url}/webhooks/shop-a/awin?${q}`)).status).to.equal(403);
    await relayIdle();
    const sales = await json(await hub.api('/api/v1/sales?network=awin', { key: a.key }), 200);
    expect(sales.items).to.have.length(1);
    expect(sales.items[0]).to.include({ kind: 'sale', transactionId: '700001', amount: '4.20' });
    expect(sales.items[0].siteId).to.be.a('string');
  });

  it('a credential change through the API applies to webhook verification at once, with the default source cache', async function () {
    // The verification settings cache is on (default WEBHOOKS_SOURCE_CACHE_MS); credentials must not wait for it.
    expect(hub.hub.runtime.config.webhooksSourceCacheMs).to.equal(5000);
    const c = await hub.tenant('shop-c');
    await json(await hub.api('/api/v1/plugins/digistore24/credentials', { method: 'PUT', key: c.key, json: { ipnPassphrase: PASSPHRASE } }), 200);
    const first = await postForm(hub, '/webhooks/shop-c/digistore24', ipnBody(payment({ order_id: 'C-1', transaction_id: '6001' })));
    expect(first.status).to.equal(200);
    expect(await first.text()).to.equal('OK');

    const rotated = 'shop-c-rotated-passphrase';
    await json(await hub.api('/api/v1/plugins/digistore24/credentials', { method: 'PUT', key: c.key, json: { ipnPassphrase: rotated } }), 200);
    const old = await postForm(hub, '/webhooks/shop-c/digistore24', ipnBody(payment({ order_id: 'C-2', transaction_id: '6002' })));
    expect(old.status).to.equal(403);
    expect((await old.json()).error.code).to.equal('HUB_ERR_WEBHOOK_SIGNATURE_INVALID');
    const fresh = await postForm(hub, '/webhooks/shop-c/digistore24', ipnBody(payment({ order_id: 'C-3', transaction_id: '6003' }), rotated));
    expect(fresh.status).to.equal(200);
    expect(await fresh.text()).to.equal('OK');
    const events = await json(await hub.api('/api/v1/events?connector=digistore24', { key: c.key }), 200);
    expect(events.items.map((e: any) => e.data.order_id).sort()).to.deep.equal(['C-1', 'C-3']);
  });
});
