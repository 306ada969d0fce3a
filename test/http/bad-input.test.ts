/**
 * The bad-input matrix: every case gets the right status and coded error,
 * nothing is stored, and the hub keeps serving afterwards.
 */
import { expect } from 'chai';
import { forEachDialect } from '../support/databases.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';

interface Case {
  name: string;
  body: string | Uint8Array;
  contentType?: string;
  status: number;
  code: string;
  path?: string;
}

const valid = { name: 'Site', domain: 'site.example.com' };

const cases: Case[] = [
  { name: 'malformed JSON', body: '{"name": "x", ', status: 400, code: 'HUB_ERR_HTTP_MALFORMED_BODY' },
  { name: 'empty body', body: '', status: 400, code: 'HUB_ERR_HTTP_MALFORMED_BODY' },
  { name: 'JSON that is not an object', body: '[1,2,3]', status: 400, code: 'HUB_ERR_VALIDATION_FAILED', path: '/body' },
  { name: 'body over the limit', body: JSON.stringify({ ...valid, tags: ['x'.repeat(3000)] }), status: 413, code: 'HUB_ERR_HTTP_BODY_TOO_LARGE' },
  { name: 'wrong content type', body: JSON.stringify(valid), contentType: 'text/plain', status: 415, code: 'HUB_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE' },
  { name: 'form content type', body: 'name=x&domain=y.example.com', contentType: 'application/x-www-form-urlencoded', status: 415, code: 'HUB_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE' },
  { name: 'no content type', body: JSON.stringify(valid), contentType: '', status: 415, code: 'HUB_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE' },
  { name: 'wrong type', body: JSON.stringify({ name: 42, domain: 'a.example.com' }), status: 400, code: 'HUB_ERR_VALIDATION_FAILED', path: '/body/name' },
  { name: 'missing field', body: JSON.stringify({ name: 'x' }), status: 400, code: 'HUB_ERR_VALIDATION_FAILED', path: '/body/domain' },
  { name: 'unknown field', body: JSON.stringify({ ...valid, admin: true }), status: 400, code: 'HUB_ERR_VALIDATION_FAILED', path: '/body/admin' },
  { name: '__proto__ key', body: '{"name":"x","domain":"p.example.com","__proto__":{"isAdmin":true}}', status: 400, code: 'HUB_ERR_HTTP_MALFORMED_BODY' },
  { name: 'constructor.prototype key', body: '{"name":"x","domain":"c.example.com","constructor":{"prototype":{"isAdmin":true}}}', status: 400, code: 'HUB_ERR_HTTP_MALFORMED_BODY' },
  { name: 'constructor key', body: '{"name":"x","domain":"c.example.com","constructor":1}', status: 400, code: 'HUB_ERR_VALIDATION_FAILED', path: '/body/constructor' },
  { name: 'very long string', body: JSON.stringify({ name: 'n'.repeat(201), domain: 'l.example.com' }), status: 400, code: 'HUB_ERR_VALIDATION_FAILED', path: '/body/name' },
  { name: 'SQL-looking domain', body: JSON.stringify({ name: 'x', domain: "a.com'; DROP TABLE sites;--" }), status: 400, code: 'HUB_ERR_VALIDATION_FAILED', path: '/body/domain' },
  { name: 'non-UTF-8 bytes', body: Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('","domain":"u.example.com"}')]), status: 400, code: 'HUB_ERR_HTTP_MALFORMED_BODY' },
  { name: 'NUL character in a string', body: JSON.stringify({ name: 'a\u0000b', domain: 'n.example.com' }), status: 400, code: 'HUB_ERR_HTTP_MALFORMED_BODY' },
  { name: 'empty string in an array', body: JSON.stringify({ ...valid, tags: [''] }), status: 400, code: 'HUB_ERR_VALIDATION_FAILED', path: '/body/tags/0' },
];

forEachDialect('bad input', (database) => {
  let h: TestHub;
  let key: string;

  before(async function () {
    h = await startTestHub(database(), { BODY_LIMIT_BYTES: '2048' });
    ({ key } = await h.tenant('bad-input'));
  });
  after(async () => h.stop());

  async function siteCount(): Promise<number> {
    const res = await h.api('/api/v1/sites', { key });
    return (await res.json()).total;
  }

  for (const c of cases) {
    it(`${c.name} → ${c.status} ${c.code}, nothing stored`, async function () {
      const headers: Record<string, string> = { 'x-api-key': key };
      if (c.contentType !== '') headers['content-type'] = c.contentType ?? 'application/json';
      const res = await fetch(`${h.url}/api/v1/sites`, { method: 'POST', headers, body: c.body as BodyInit });
      expect(res.status).to.equal(c.status);
      const body = await res.json();
      expect(body.error.code).to.equal(c.code);
      expect(body.error.message).to.be.a('string').and.not.empty;
      if (c.path) expect(body.error.details.map((d: { path: string }) => d.path)).to.include(c.path);
      expect(await siteCount()).to.equal(0);
    });
  }

  it('a declared Content-Length over the limit is refused before the body is read', async function () {
    const res = await fetch(`${h.url}/api/v1/sites`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json', 'content-length': '999999' },
      body: 'x'.repeat(999999),
    }).catch((err: Error) => err);
    // Either the 413 arrives or the server closes the oversized upload; both store nothing.
    if (res instanceof Response) expect(res.status).to.equal(413);
    expect(await siteCount()).to.equal(0);
  });

  it('invalid path and query parameters → 400 with field paths', async function () {
    let res = await h.api('/api/v1/sites/not-a-uuid', { key });
    expect(res.status).to.equal(400);
    expect((await res.json()).error.details[0].path).to.equal('/params/id');
    res = await h.api('/api/v1/sites?limit=abc', { key });
    expect(res.status).to.equal(400);
    expect((await res.json()).error.details[0].path).to.equal('/query/limit');
    res = await h.api('/api/v1/sites?limit=100000', { key });
    expect(res.status).to.equal(400);
    res = await h.api('/api/v1/sites?evil=1', { key });
    expect(res.status).to.equal(400);
  });

  it('a SQL-looking name is valid text and is stored literally', async function () {
    const name = "Robert'); DROP TABLE sites;--";
    const res = await h.api('/api/v1/sites', { key, method: 'POST', json: { name, domain: 'bobby.example.com' } });
    expect(res.status).to.equal(201);
    const site = await res.json();
    expect((await (await h.api(`/api/v1/sites/${site.id}`, { key })).json()).name).to.equal(name);
    expect((await h.api(`/api/v1/sites/${site.id}`, { key, method: 'DELETE' })).status).to.equal(204);
  });

  it('the hub is still healthy after the whole matrix', async function () {
    expect((await fetch(`${h.url}/healthz`)).status).to.equal(200);
    expect((await fetch(`${h.url}/readyz`)).status).to.equal(200);
  });
});
