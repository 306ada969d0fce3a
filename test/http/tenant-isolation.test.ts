/**
 * Tenant A's credentials on tenant B's resources: 404 (existence never leaks)
 * on every route that takes a resource id, and listings only show A's rows.
 */
import { expect } from 'chai';
import { forEachDialect } from '../support/databases.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { jwtKey, signJwt } from '../../core/auth/jwt.js';

forEachDialect('tenant isolation', (database) => {
  let h: TestHub;
  let a: { tenantId: string; key: string };
  let b: { tenantId: string; key: string };
  let bSiteId: string;
  let bKeyId: string;

  before(async function () {
    h = await startTestHub(database());
    a = await h.tenant('tenant-a');
    b = await h.tenant('tenant-b');
    bSiteId = (await (await h.api('/api/v1/sites', { key: b.key, method: 'POST', json: { name: 'B', domain: 'b.example.com' } })).json()).id;
    bKeyId = (await (await h.api('/api/v1/keys', { key: b.key })).json()).items[0].id;
  });
  after(async () => h.stop());

  const crossTenant: Array<[string, string, (ids: { site: string; key: string }) => string, unknown?]> = [
    ['GET', 'site', (ids) => `/api/v1/sites/${ids.site}`],
    ['PATCH', 'site', (ids) => `/api/v1/sites/${ids.site}`, { name: 'stolen' }],
    ['DELETE', 'site', (ids) => `/api/v1/sites/${ids.site}`],
    ['DELETE', 'key', (ids) => `/api/v1/keys/${ids.key}`],
  ];

  for (const [method, what, path, json] of crossTenant) {
    it(`${method} on another tenant's ${what} → 404 and unchanged`, async function () {
      const res = await h.api(path({ site: bSiteId, key: bKeyId }), { key: a.key, method, json });
      expect(res.status).to.equal(404);
      expect((await res.json()).error.code).to.equal('HUB_ERR_NOT_FOUND');
    });
  }

  it('B\'s site and key are intact after A\'s attempts', async function () {
    const site = await (await h.api(`/api/v1/sites/${bSiteId}`, { key: b.key })).json();
    expect(site.name).to.equal('B');
    expect((await h.api('/api/v1/sites', { key: b.key })).status).to.equal(200);
  });

  it('listings show only the caller\'s rows', async function () {
    const sites = await (await h.api('/api/v1/sites', { key: a.key })).json();
    expect(sites.items.map((s: { id: string }) => s.id)).to.not.include(bSiteId);
    const keys = await (await h.api('/api/v1/keys', { key: a.key })).json();
    expect(keys.items.map((k: { id: string }) => k.id)).to.not.include(bKeyId);
  });

  it('the same domain may exist in two tenants', async function () {
    const res = await h.api('/api/v1/sites', { key: a.key, method: 'POST', json: { name: 'A', domain: 'b.example.com' } });
    expect(res.status).to.equal(201);
  });

  it('a JWT for tenant A cannot read B\'s site either', async function () {
    const token = signJwt(jwtKey('test-secret-test-secret-test-secret-0123'), { sub: 'u', tenant: a.tenantId, scopes: ['*'] }, 60);
    const res = await h.api(`/api/v1/sites/${bSiteId}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).to.equal(404);
  });
});
