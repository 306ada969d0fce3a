import { expect } from 'chai';
import { forEachDialect, createTestDatabase, type TestDatabase } from '../support/databases.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';

forEachDialect('HTTP core', (database) => {
  let h: TestHub;
  let key: string;

  before(async function () {
    h = await startTestHub(database());
    ({ key } = await h.tenant('core'));
  });
  after(async () => h.stop());

  it('/healthz is 200 and /readyz lists the database with its driver', async function () {
    expect((await fetch(`${h.url}/healthz`)).status).to.equal(200);
    const res = await fetch(`${h.url}/readyz`);
    expect(res.status).to.equal(200);
    const body = await res.json();
    expect(body.dependencies[0]).to.deep.include({ name: 'database', driver: database().dialect, status: 'ok' });
  });

  it('unknown route → 404 JSON error; wrong method → 405', async function () {
    let res = await h.api('/api/v1/nope', { key });
    expect(res.status).to.equal(404);
    expect((await res.json()).error.code).to.equal('HUB_ERR_HTTP_ROUTE_NOT_FOUND');
    res = await h.api('/api/v1/sites', { key, method: 'PUT', json: {} });
    expect(res.status).to.equal(405);
    expect((await res.json()).error.code).to.equal('HUB_ERR_HTTP_METHOD_NOT_ALLOWED');
    expect(res.headers.get('allow')).to.include('GET');
  });

  it('echoes a sane X-Request-Id and replaces a hostile one', async function () {
    let res = await h.api('/healthz', { headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers.get('x-request-id')).to.equal('abc-123');
    res = await h.api('/healthz', { headers: { 'x-request-id': 'a'.repeat(500) } });
    expect(res.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
  });

  it('/metrics exposes request counts and latency by route and status', async function () {
    await h.api('/api/v1/sites', { key });
    const text = await (await fetch(`${h.url}/metrics`)).text();
    expect(text).to.match(/http_requests_total\{method="GET",route="\/api\/v1\/sites",status="200"\} \d+/);
    expect(text).to.include('http_request_duration_seconds_bucket');
  });

  it('CRUD round trip on sites', async function () {
    const created = await h.api('/api/v1/sites', { key, method: 'POST', json: { name: 'Blog', domain: 'blog.example.com', tags: ['a'] } });
    expect(created.status).to.equal(201);
    const site = await created.json();
    const dup = await h.api('/api/v1/sites', { key, method: 'POST', json: { name: 'Blog 2', domain: 'BLOG.example.com' } });
    expect(dup.status).to.equal(409);
    expect((await dup.json()).error.code).to.equal('HUB_ERR_CONFLICT');
    const patched = await h.api(`/api/v1/sites/${site.id}`, { key, method: 'PATCH', json: { name: 'Blog!' } });
    expect((await patched.json()).name).to.equal('Blog!');
    expect((await h.api(`/api/v1/sites/${site.id}`, { key, method: 'DELETE' })).status).to.equal(204);
    expect((await h.api(`/api/v1/sites/${site.id}`, { key })).status).to.equal(404);
  });
});

describe('HTTP core: dependency down', function () {
  let database: TestDatabase;
  let h: TestHub;
  before(async function () {
    database = await createTestDatabase('postgresql');
    h = await startTestHub(database);
  });
  after(async function () {
    await h.stop().catch(() => undefined);
    await database.cleanup();
  });

  it('/readyz answers 503 naming the database when the pool is gone', async function () {
    await h.hub.runtime.db.destroy();
    const res = await fetch(`${h.url}/readyz`);
    expect(res.status).to.equal(503);
    const body = await res.json();
    expect(body.dependencies[0]).to.deep.include({ name: 'database', status: 'down' });
    expect((await fetch(`${h.url}/healthz`)).status).to.equal(200);
  });
});
