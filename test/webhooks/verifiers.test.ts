/**
 * The pure verifiers, table-driven: Digistore24 sha_sign (Digistore24's own
 * vectors, copied verbatim into the fixture), SendGrid ECDSA (the reference's
 * vector from sendgrid-nodejs plus generated keys), generic HMAC
 * (header/algorithm/encoding/prefix/timestamp variants) and our Standard
 * Webhooks signer checked by an independent implementation written here.
 */
import { createHmac, generateKeyPairSync, sign as ecSign } from 'node:crypto';
import fs from 'node:fs';
import { expect } from 'chai';
import { ds24Signature, ds24Verify, digistore24Webhook, normalizeIpn, parseIpnForm } from '../../connectors/digistore24/webhook.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySendgridSignature, sendgridWebhook } from '../../connectors/sendgrid/webhook.js';
import { awinWebhook } from '../../connectors/awin/webhook.js';
import { hmacSign, verifyHmac, type HmacSettings } from '../../webhooks/verify/hmac.js';
import { generateWebhookSecret, isValidWebhookSecret, signStandardWebhook, standardWebhookHeaders, verifyStandardWebhook } from '../../webhooks/verify/standard-webhooks.js';
import type { ConnectorContext, RawWebhookRequest } from '../../core/sdk/index.js';

const vectors = JSON.parse(fs.readFileSync(new URL('../fixtures/webhooks/digistore24-vectors.json', import.meta.url), 'utf8')) as {
  passphrase: string;
  vectors: Array<{ name: string; uppercaseKeys: boolean; params: Record<string, string>; expected: string; passphrase?: string }>;
};

function ctxWith(credentials: Record<string, unknown>, config: Record<string, unknown> = {}): ConnectorContext {
  return { pluginId: 't', tenantId: 't', config, credentials, logger: console, http: { request: async () => { throw new Error('no'); } }, emit: () => undefined, signal: new AbortController().signal };
}

function form(fields: Record<string, string>): Buffer {
  return Buffer.from(new URLSearchParams(fields).toString());
}

function req(body: Buffer, headers: Record<string, string> = {}, method = 'POST', query: Record<string, string> = {}): RawWebhookRequest {
  return { method, headers, query, body };
}

describe('webhooks: Digistore24 sha_sign', function () {
  for (const v of vectors.vectors) {
    it(`reproduces the vector "${v.name}"`, function () {
      expect(ds24Signature(v.params, v.passphrase ?? vectors.passphrase, v.uppercaseKeys)).to.equal(v.expected);
    });
  }

  const pass = 's3cret-passphrase';
  const base = { event: 'on_payment', order_id: 'AB12CD34', transaction_id: '777', amount: '47.00', currency: 'EUR', buyer_first_name: 'Jörg' };
  const signed = { ...base, sha_sign: ds24Signature(base, pass) };
  const cases: Array<{ name: string; fields: Record<string, string>; passphrase?: string; ok: boolean; missing?: boolean }> = [
    { name: 'valid signature', fields: signed, passphrase: pass, ok: true },
    { name: 'valid, lower-case hex', fields: { ...signed, sha_sign: signed.sha_sign.toLowerCase() }, passphrase: pass, ok: true },
    { name: 'valid, uppercase-key variant', fields: { ...base, sha_sign: ds24Signature(base, pass, true) }, passphrase: pass, ok: true },
    { name: 'tampered amount', fields: { ...signed, amount: '4.70' }, passphrase: pass, ok: false },
    { name: 'added field', fields: { ...signed, custom: 'x' }, passphrase: pass, ok: false },
    { name: 'wrong passphrase', fields: signed, passphrase: 'other', ok: false },
    { name: 'no passphrase configured (fail closed)', fields: signed, passphrase: undefined, ok: false },
    { name: 'no sha_sign', fields: base, passphrase: pass, ok: false, missing: true },
    { name: 'Digistore24 placeholder for an unset passphrase', fields: { ...base, sha_sign: 'no_signature_passphrase_provided' }, passphrase: pass, ok: false },
    { name: 'truncated signature', fields: { ...signed, sha_sign: signed.sha_sign.slice(0, 64) }, passphrase: pass, ok: false },
  ];
  for (const c of cases) {
    it(`verify: ${c.name} → ${c.ok ? 'accepted' : 'rejected'}`, function () {
      const verdict = ds24Verify(c.fields, c.passphrase);
      expect(verdict.ok).to.equal(c.ok);
      if (!verdict.ok) expect(Boolean(verdict.missing)).to.equal(Boolean(c.missing));
    });
  }

  it('verifies through the raw form body, with + and %-escapes decoded like the provider encodes them', async function () {
    const fields = { order_id: 'ORD-3', custom: 'm:abc+def/ghi=jkl', buyer_email: 'a+b@example.de' };
    const body = form({ ...fields, sha_sign: ds24Signature(fields, pass) });
    const verdict = await digistore24Webhook.verify(req(body, { 'content-type': 'application/x-www-form-urlencoded' }), ctxWith({ ipnPassphrase: pass }));
    expect(verdict.ok).to.equal(true);
  });

  it('flags malformed forms as malformed (400), not as bad signatures', async function () {
    for (const [body, type] of [['a=%ZZ', 'application/x-www-form-urlencoded'], ['', 'application/x-www-form-urlencoded'], ['{"a":1}', 'application/json']] as const) {
      const verdict = await digistore24Webhook.verify(req(Buffer.from(body), { 'content-type': type }), ctxWith({ ipnPassphrase: pass }));
      expect(verdict.ok, body).to.equal(false);
      expect(verdict.ok === false && verdict.malformed, body).to.equal(true);
    }
  });

  it('normalizes payments, refunds and unknown events; answers the endpoint check', function () {
    const payment = normalizeIpn({ ...base, custom: 'm:x;site:reviews.example.com' }, Buffer.from('x'));
    expect(payment.type).to.equal('digistore24.payment');
    expect(payment.providerEventId).to.equal('on_payment:AB12CD34:777');
    expect(payment.ledger).to.include({ kind: 'sale', transactionId: '777', orderId: 'AB12CD34', amount: '47.00', currency: 'EUR', siteRef: 'reviews.example.com' });
    const rebill = normalizeIpn({ ...base, pay_sequence_no: '3' }, Buffer.from('x'));
    expect(rebill.ledger?.kind).to.equal('rebill');
    const refund = normalizeIpn({ ...base, event: 'on_refund', transaction_id: '778', amount: '-47.00' }, Buffer.from('x'));
    expect(refund.ledger).to.include({ kind: 'refund', orderId: 'AB12CD34', amount: '47.00' });
    const unknown = normalizeIpn({ event: 'on_something_new', order_id: 'Q', transaction_id: '1' }, Buffer.from('x'));
    expect(unknown.type).to.equal('digistore24.on_something_new');
    expect(unknown.ledger).to.equal(undefined);
    expect(unknown.data.unknownEvent).to.equal(true);
    expect(digistore24Webhook.handshake!(req(Buffer.alloc(0), {}, 'GET'))).to.deep.equal({ status: 200, contentType: 'text/plain', body: 'OK' });
    expect(digistore24Webhook.reply!([payment]).body).to.equal('OK');
    const parsed = parseIpnForm(req(form({ a: 'x' })));
    expect(parsed).to.have.property('fields');
  });
});

describe('webhooks: SendGrid signed Event Webhook (ECDSA P-256)', function () {
  // The reference's vector (sendgrid-nodejs eventwebhook.spec.js), re-checked by the reference author.
  const refKey = 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA==';
  const refTs = '1588788367';
  const refBody = Buffer.from('{"category":"example_payload","event":"test_event","message_id":"message_id"}');
  const refSig = 'MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0=';
  const refNow = Number(refTs) + 10;

  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ourKey = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const now = Math.floor(Date.now() / 1000);
  const body = Buffer.from(JSON.stringify([{ email: 'r@example.com', event: 'delivered', sg_event_id: 'ZGVsaXZlcmVk', timestamp: now }]));
  const signFor = (ts: string, b: Buffer) => ecSign('sha256', Buffer.concat([Buffer.from(ts), b]), privateKey).toString('base64');
  const good = { [SIGNATURE_HEADER]: signFor(String(now), body), [TIMESTAMP_HEADER]: String(now) };
  const stale = String(now - 3600);

  const cases: Array<{ name: string; key?: string; headers: Record<string, string>; body: Buffer; now: number; ok: boolean; missing?: boolean }> = [
    { name: 'reference vector', key: refKey, headers: { [SIGNATURE_HEADER]: refSig, [TIMESTAMP_HEADER]: refTs }, body: refBody, now: refNow, ok: true },
    { name: 'reference vector, one body byte changed', key: refKey, headers: { [SIGNATURE_HEADER]: refSig, [TIMESTAMP_HEADER]: refTs }, body: Buffer.from(refBody.toString().replace('test_event', 'test_evenT')), now: refNow, ok: false },
    { name: 'reference vector, timestamp changed', key: refKey, headers: { [SIGNATURE_HEADER]: refSig, [TIMESTAMP_HEADER]: String(Number(refTs) + 1) }, body: refBody, now: refNow, ok: false },
    { name: 'generated key, valid', key: ourKey, headers: good, body, now, ok: true },
    { name: 'tampered body', key: ourKey, headers: good, body: Buffer.from(body.toString().replace('delivered', 'bounce')), now, ok: false },
    { name: 'wrong key', key: other, headers: good, body, now, ok: false },
    { name: 'missing signature header', key: ourKey, headers: { [TIMESTAMP_HEADER]: String(now) }, body, now, ok: false, missing: true },
    { name: 'missing timestamp header', key: ourKey, headers: { [SIGNATURE_HEADER]: good[SIGNATURE_HEADER] }, body, now, ok: false, missing: true },
    { name: 'stale timestamp (signed correctly)', key: ourKey, headers: { [SIGNATURE_HEADER]: signFor(stale, body), [TIMESTAMP_HEADER]: stale }, body, now, ok: false },
    { name: 'garbage signature', key: ourKey, headers: { [SIGNATURE_HEADER]: 'bm90IGEgc2lnbmF0dXJl', [TIMESTAMP_HEADER]: String(now) }, body, now, ok: false },
    { name: 'no key configured', key: undefined, headers: good, body, now, ok: false },
    { name: 'key is not DER', key: 'aGVsbG8gd29ybGQgdGhpcyBpcyBub3QgYSBrZXkgYXQgYWxs', headers: good, body, now, ok: false },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.ok ? 'accepted' : 'rejected'}`, function () {
      const verdict = verifySendgridSignature(c.key, c.headers, c.body, 300, c.now);
      expect(verdict.ok).to.equal(c.ok);
      if (!verdict.ok) expect(Boolean(verdict.missing)).to.equal(Boolean(c.missing));
    });
  }

  it('verifies and normalizes a batch through the connector definition', async function () {
    const ctx = ctxWith({ webhookPublicKey: ourKey });
    const request = req(body, { ...good, 'content-type': 'application/json' });
    expect((await sendgridWebhook.verify(request, ctx)).ok).to.equal(true);
    const events = await sendgridWebhook.normalize(request, ctx);
    expect(events).to.have.length(1);
    expect(events[0]).to.include({ type: 'sendgrid.delivered', providerEventId: 'ZGVsaXZlcmVk' });
    const malformed = await sendgridWebhook.verify(req(Buffer.from('{"not":"an array"'), { ...good, 'content-type': 'application/json' }), ctx);
    expect(malformed.ok === false && malformed.malformed).to.equal(true);
  });
});

describe('webhooks: AWIN notification token', function () {
  const token = 'awin-token-0123456789abcdef0123';
  const ctx = ctxWith({ webhookToken: token });
  const cases: Array<{ name: string; query: Record<string, string>; ok: boolean; malformed?: boolean }> = [
    { name: 'right token', query: { token, transactionId: '9001', status: 'approved', commission: '4.20' }, ok: true },
    { name: 'wrong token', query: { token: token.replace('a', 'b'), transactionId: '9001' }, ok: false },
    { name: 'no token', query: { transactionId: '9001' }, ok: false },
    { name: 'right token, no transaction id', query: { token }, ok: false, malformed: true },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.ok ? 'accepted' : 'rejected'}`, async function () {
      const verdict = await awinWebhook.verify(req(Buffer.alloc(0), {}, 'GET', c.query), ctx);
      expect(verdict.ok).to.equal(c.ok);
      if (!verdict.ok) expect(Boolean(verdict.malformed)).to.equal(Boolean(c.malformed));
    });
  }

  it('normalizes approved and declined transactions into a sale and its reversal', async function () {
    const approved = (await awinWebhook.normalize(req(Buffer.alloc(0), {}, 'GET', { token, transactionId: '9001', status: 'approved', commission: '4.20', currency: 'EUR', clickRef: 'site-1' }), ctx))[0];
    expect(approved.type).to.equal('awin.transaction.approved');
    expect(approved.ledger).to.include({ kind: 'sale', transactionId: '9001', amount: '4.20', siteRef: 'site-1' });
    expect(approved.data).to.not.have.property('token');
    const body = Buffer.from(JSON.stringify({ transactionId: 9001, commissionStatus: 'declined', commissionAmount: { amount: 4.2, currency: 'EUR' } }));
    const declined = (await awinWebhook.normalize(req(body, { 'content-type': 'application/json' }, 'POST', { token }), ctx))[0];
    expect(declined.ledger).to.include({ kind: 'refund', reversesTransactionId: '9001', amount: '4.2' });
  });
});

describe('webhooks: generic HMAC verifier', function () {
  const secret = 'generic-secret-0123456789';
  const body = Buffer.from('{"id":"evt_1","type":"order.paid"}');
  const now = 1_735_689_600;
  const hexSha256: HmacSettings = { signatureHeader: 'x-signature', algorithm: 'sha256', encoding: 'hex', signaturePrefix: 'sha256=' };
  const b64Ts: HmacSettings = { signatureHeader: 'x-sig', algorithm: 'sha512', encoding: 'base64', timestampHeader: 'x-ts', toleranceSeconds: 300 };
  const b64url: HmacSettings = { signatureHeader: 'x-sig', algorithm: 'sha1', encoding: 'base64url', timestampHeader: 'x-ts', signedContent: '{timestamp}:{body}' };
  // Independent expectations computed here with node:crypto directly.
  const mac = (alg: string, data: Buffer | string, enc: 'hex' | 'base64' | 'base64url') => createHmac(alg, secret).update(data).digest(enc);
  const ts = String(now);

  const cases: Array<{ name: string; settings: HmacSettings; headers: Record<string, string>; body?: Buffer; secret?: string; ok: boolean; reason?: string }> = [
    { name: 'hex sha256 with prefix', settings: hexSha256, headers: { 'x-signature': `sha256=${mac('sha256', body, 'hex')}` }, ok: true },
    { name: 'hex accepts upper case', settings: hexSha256, headers: { 'x-signature': `sha256=${mac('sha256', body, 'hex').toUpperCase()}` }, ok: true },
    { name: 'rotation: second signature matches', settings: hexSha256, headers: { 'x-signature': `sha256=${'0'.repeat(64)}, sha256=${mac('sha256', body, 'hex')}` }, ok: true },
    { name: 'missing prefix', settings: hexSha256, headers: { 'x-signature': mac('sha256', body, 'hex') }, ok: false, reason: 'bad_signature' },
    { name: 'tampered body', settings: hexSha256, headers: { 'x-signature': `sha256=${mac('sha256', body, 'hex')}` }, body: Buffer.from('{"id":"evt_2"}'), ok: false, reason: 'bad_signature' },
    { name: 'wrong secret', settings: hexSha256, headers: { 'x-signature': `sha256=${mac('sha256', body, 'hex')}` }, secret: 'another-secret-value', ok: false, reason: 'bad_signature' },
    { name: 'missing header', settings: hexSha256, headers: {}, ok: false, reason: 'missing_signature' },
    { name: 'base64 sha512 over timestamp.body', settings: b64Ts, headers: { 'x-sig': mac('sha512', `${ts}.${body}`, 'base64'), 'x-ts': ts }, ok: true },
    { name: 'stale timestamp', settings: b64Ts, headers: { 'x-sig': mac('sha512', `${now - 301}.${body}`, 'base64'), 'x-ts': String(now - 301) }, ok: false, reason: 'stale_timestamp' },
    { name: 'future timestamp', settings: b64Ts, headers: { 'x-sig': mac('sha512', `${now + 301}.${body}`, 'base64'), 'x-ts': String(now + 301) }, ok: false, reason: 'stale_timestamp' },
    { name: 'missing timestamp', settings: b64Ts, headers: { 'x-sig': mac('sha512', `${ts}.${body}`, 'base64') }, ok: false, reason: 'missing_timestamp' },
    { name: 'timestamp swapped after signing', settings: b64Ts, headers: { 'x-sig': mac('sha512', `${ts}.${body}`, 'base64'), 'x-ts': String(now - 1) }, ok: false, reason: 'bad_signature' },
    { name: 'base64url sha1 with a custom template', settings: b64url, headers: { 'x-sig': mac('sha1', `${ts}:${body}`, 'base64url'), 'x-ts': ts }, ok: true },
    { name: 'empty secret fails closed', settings: hexSha256, headers: { 'x-signature': `sha256=${createHmac('sha256', '').update(body).digest('hex')}` }, secret: '', ok: false, reason: 'no_secret' },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.ok ? 'accepted' : `rejected (${c.reason})`}`, function () {
      const verdict = verifyHmac(c.settings, c.secret ?? secret, c.headers, c.body ?? body, now);
      expect(verdict).to.deep.equal(c.ok ? { ok: true } : { ok: false, reason: c.reason });
    });
  }

  it('hmacSign agrees with the independent computation', function () {
    expect(hmacSign(b64Ts, secret, body, ts)).to.equal(mac('sha512', `${ts}.${body}`, 'base64'));
  });
});

describe('webhooks: Standard Webhooks signing', function () {
  /** Independent receiver-side check, written from the spec, not sharing code with the signer. */
  function independentVerify(secret: string, headers: Record<string, string>, body: string, nowSec: number): boolean {
    const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
    const expected = createHmac('sha256', key).update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`).digest('base64');
    if (Math.abs(nowSec - Number(headers['webhook-timestamp'])) > 300) return false;
    return headers['webhook-signature'].split(' ').some((e) => e === `v1,${expected}`);
  }

  it('reproduces the reference library vector and the reference note vector', function () {
    expect(signStandardWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}'))
      .to.equal('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    expect(signStandardWebhook('whsec_aHViLW91dGJvdW5kLWRlbW8tc2VjcmV0LTAwMDAwMQ==', 'evt_01HUBDEMO0001', 1735689600,
      '{"type":"order.paid","timestamp":"2025-01-01T00:00:00Z","data":{"orderId":"XK7P2QAB"}}'))
      .to.equal('v1,FvpeePp7maTFgiQVXqZfTCXr9wW1zwcwIcbPDJlhFL4=');
  });

  it('headers made by the signer pass the independent check; any change fails it', function () {
    const secret = generateWebhookSecret();
    expect(isValidWebhookSecret(secret)).to.equal(true);
    const body = '{"type":"sale.recorded","timestamp":"2025-01-01T00:00:00Z","data":{"amount":"49.00"}}';
    const now = Math.floor(Date.now() / 1000);
    const headers = standardWebhookHeaders([secret, generateWebhookSecret()], 'msg_abc', now, body);
    expect(independentVerify(secret, headers, body, now)).to.equal(true);
    expect(verifyStandardWebhook(secret, headers, body, now)).to.equal(true);
    expect(independentVerify(secret, headers, body.replace('49', '48'), now)).to.equal(false);
    expect(independentVerify(generateWebhookSecret(), headers, body, now)).to.equal(false);
    expect(independentVerify(secret, headers, body, now + 301)).to.equal(false);
    expect(verifyStandardWebhook(secret, { ...headers, 'webhook-id': 'msg_other' }, body, now)).to.equal(false);
  });

  it('refuses malformed secrets', function () {
    for (const s of ['whsec_short', 'plain-secret', 'whsec_!!!!', `whsec_${Buffer.alloc(80).toString('base64')}`]) expect(isValidWebhookSecret(s), s).to.equal(false);
  });
});
