/**
 * ctx.http: retries on network errors, 429 and 5xx honouring Retry-After
 * (observed through an injected sleep, never by waiting), timeouts, bodies,
 * and refusal of private / loopback targets at connection time — by literal
 * address and by a hostname that resolves to loopback — unless allowed.
 */
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { createHttpClient, parseRetryAfter } from '../../core/plugins/http-client.js';

function recorder() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

describe('plugin HTTP client', function () {
  afterEach(function () {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  describe('against public hosts (nock, no DNS)', function () {
    beforeEach(function () {
      nock.disableNetConnect();
    });

    it('sends JSON and query parameters and parses a JSON answer', async function () {
      nock('https://api.example.com', { reqheaders: { 'content-type': 'application/json', authorization: 'Bearer t' } })
        .post('/v1/items', { name: 'x' })
        .query({ page: '2', all: 'true' })
        .reply(201, { id: 7 }, { 'content-type': 'application/json; charset=utf-8' });
      const client = createHttpClient({ timeoutMs: 1000 });
      const res = await client.request('https://api.example.com/v1/items', { method: 'POST', body: { name: 'x' }, query: { page: 2, all: true, skip: undefined }, headers: { authorization: 'Bearer t' } });
      expect(res).to.deep.include({ status: 201, body: { id: 7 } });
    });

    it('retries 429 and 503 for idempotent requests, waiting what Retry-After says', async function () {
      nock('https://api.example.com')
        .get('/r').reply(429, 'slow down', { 'retry-after': '2' })
        .get('/r').reply(503, 'busy', { 'retry-after': new Date(Date.now() + 60_000).toUTCString() })
        .get('/r').reply(200, 'done');
      const { waits, sleep } = recorder();
      const client = createHttpClient({ timeoutMs: 1000, sleep, maxRetryDelayMs: 120_000 });
      const res = await client.request('https://api.example.com/r', { retries: 3 });
      expect(res.status).to.equal(200);
      expect(res.body).to.equal('done');
      expect(waits).to.have.length(2);
      expect(waits[0]).to.equal(2000);
      expect(waits[1]).to.be.within(50_000, 60_000);
    });

    it('backs off exponentially without Retry-After and returns the last answer when retries run out', async function () {
      nock('https://api.example.com').get('/x').times(3).reply(502, { error: 'bad gateway' }, { 'content-type': 'application/json' });
      const { waits, sleep } = recorder();
      const res = await createHttpClient({ timeoutMs: 1000, sleep }).request('https://api.example.com/x', { retries: 2 });
      expect(res.status).to.equal(502);
      expect(res.body).to.deep.equal({ error: 'bad gateway' });
      expect(waits).to.deep.equal([250, 500]);
    });

    it('does not wait for a Retry-After longer than the cap: the 429 is returned', async function () {
      nock('https://api.example.com').get('/cap').reply(429, '', { 'retry-after': '300' });
      const { waits, sleep } = recorder();
      const res = await createHttpClient({ timeoutMs: 1000, sleep, maxRetryDelayMs: 30_000 }).request('https://api.example.com/cap');
      expect(res.status).to.equal(429);
      expect(waits).to.deep.equal([]);
    });

    it('does not repeat a POST after a 5xx (it may have been processed) but does after a 429', async function () {
      nock('https://api.example.com').post('/send').reply(500, 'oops');
      const { waits, sleep } = recorder();
      const client = createHttpClient({ timeoutMs: 1000, sleep });
      expect((await client.request('https://api.example.com/send', { method: 'POST', body: {} })).status).to.equal(500);
      expect(waits).to.deep.equal([]);
      nock('https://api.example.com').post('/send').reply(429, '', { 'retry-after': '1' }).post('/send').reply(202, '');
      expect((await client.request('https://api.example.com/send', { method: 'POST', body: {} })).status).to.equal(202);
      expect(waits).to.deep.equal([1000]);
    });

    it('retries network errors and then fails with HUB_ERR_PLUGIN_HTTP_FAILED', async function () {
      nock('https://api.example.com').get('/net').times(2).replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      const { waits, sleep } = recorder();
      const err = await createHttpClient({ timeoutMs: 1000, sleep }).request('https://api.example.com/net', { retries: 1 }).catch((e) => e);
      expect(err.code).to.equal('HUB_ERR_PLUGIN_HTTP_FAILED');
      expect(err.message).to.contain('ECONNRESET');
      expect(waits).to.have.length(1);
    });

    it('times out a silent server with HUB_ERR_PLUGIN_HTTP_TIMEOUT', async function () {
      nock('https://api.example.com').get('/slow').delay(2000).reply(200, 'late');
      const err = await createHttpClient({ timeoutMs: 50 }).request('https://api.example.com/slow', { retries: 0 }).catch((e) => e);
      expect(err.code).to.equal('HUB_ERR_PLUGIN_HTTP_TIMEOUT');
    });

    it("stops on the caller's signal: an in-flight request, and no retry after it", async function () {
      const slow = nock('https://api.example.com').get('/slow').times(3).delay(2000).reply(200, 'late');
      const { waits, sleep } = recorder();
      const client = createHttpClient({ timeoutMs: 5000, sleep });
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('run cancelled')), 50);
      const err = await client.request('https://api.example.com/slow', { retries: 2, signal: controller.signal }).catch((e) => e);
      expect(err.code).to.equal('HUB_ERR_PLUGIN_HTTP_FAILED');
      expect(err.options.retryable).to.equal(false);
      expect(err.message).to.contain('aborted by the caller');
      expect(waits, 'no retry after an abort').to.deep.equal([]);
      expect(slow.pendingMocks()).to.have.length(1);
      // An already aborted signal sends nothing at all.
      const early = await client.request('https://api.example.com/slow', { signal: AbortSignal.abort() }).catch((e) => e);
      expect(early.message).to.contain('aborted by the caller');
      expect(slow.pendingMocks()).to.have.length(1);
    });

    it('refuses non-http URLs', async function () {
      const client = createHttpClient({ timeoutMs: 100 });
      for (const url of ['file:///etc/passwd', 'ftp://example.com/x', 'not a url']) {
        const err = await client.request(url).catch((e) => e);
        expect(err.code, url).to.equal('HUB_ERR_PLUGIN_HTTP_INVALID');
      }
    });
  });

  describe('address filtering at connection time', function () {
    let server: http.Server;
    let port: number;
    let hits = 0;

    before(async function () {
      server = http.createServer((req, res) => {
        hits += 1;
        if (req.url === '/flaky' && hits % 2 === 1) {
          res.writeHead(503).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, path: req.url }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    after(function () {
      server.close();
    });
    beforeEach(function () {
      nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    });

    it('refuses a loopback address and never connects', async function () {
      const before = hits;
      const err = await createHttpClient({ timeoutMs: 1000 }).request(`http://127.0.0.1:${port}/x`).catch((e) => e);
      expect(err.code).to.equal('HUB_ERR_PLUGIN_HTTP_BLOCKED');
      expect(hits).to.equal(before);
    });

    it('refuses a hostname that resolves to loopback (checked on the resolved address)', async function () {
      const before = hits;
      const err = await createHttpClient({ timeoutMs: 1000 }).request(`http://localhost:${port}/x`).catch((e) => e);
      expect(err.code).to.equal('HUB_ERR_PLUGIN_HTTP_BLOCKED');
      expect(hits).to.equal(before);
    });

    it('refuses private, link-local and mapped addresses', async function () {
      const client = createHttpClient({ timeoutMs: 500 });
      for (const host of ['10.0.0.1', '192.168.1.1', '169.254.169.254', '[::1]', '[::ffff:127.0.0.1]', '0.0.0.0']) {
        const err = await client.request(`http://${host}:${port}/`, { retries: 0 }).catch((e) => e);
        expect(err.code, host).to.equal('HUB_ERR_PLUGIN_HTTP_BLOCKED');
      }
    });

    it('reaches an address the operator allowed, with retries on a real 503', async function () {
      const { waits, sleep } = recorder();
      const client = createHttpClient({ timeoutMs: 1000, allowAddresses: ['127.0.0.1'], sleep });
      hits = 0;
      const res = await client.request(`http://127.0.0.1:${port}/flaky`);
      expect(res).to.deep.include({ status: 200, body: { ok: true, path: '/flaky' } });
      expect(waits).to.have.length(1);
      client.close();
    });
  });

  it('parses Retry-After seconds and dates', function () {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).to.equal(7000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).to.equal(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).to.equal(0);
    expect(parseRetryAfter('soon', now)).to.equal(undefined);
    expect(parseRetryAfter(undefined, now)).to.equal(undefined);
  });
});
