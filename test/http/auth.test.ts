import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { forEachDialect } from '../support/databases.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';

const SECRET = 'test-secret-test-secret-test-secret-0123';

forEachDialect('auth', (database) => {
  let h: TestHub;
  let key: string;
  let tenantId: string;

  before(async function () {
    h = await startTestHub(database(), { API_KEY_CACHE_MS: '0' });
    ({ key, tenantId } = await h.tenant('auth-a', ['sites:read', 'keys:read', 'keys:write']));
  });
  after(async () => h.stop());

  it('401 without credentials, with a coded error body', async function () {
    const res = await h.api('/api/v1/sites');
    expect(res.status).to.equal(401);
    expect((await res.json()).error.code).to.equal('HUB_ERR_AUTH_MISSING');
  });

  it('401 for an unknown or malformed API key', async function () {
    for (const bad of ['sy_abcdefgh_' + 'A'.repeat(43), 'sy_nope', 'sy_' + 'x'.repeat(5000)]) {
      const res = await h.api('/api/v1/sites', { key: bad });
      expect(res.status, bad.slice(0, 20)).to.equal(401);
      expect((await res.json()).error.code).to.equal('HUB_ERR_AUTH_INVALID');
    }
  });

  it('accepts the key in X-Api-Key and as a bearer token', async function () {
    expect((await h.api('/api/v1/sites', { key })).status).to.equal(200);
    expect((await h.api('/api/v1/sites', { headers: { authorization: `Bearer ${key}` } })).status).to.equal(200);
  });

  it('403 when the key lacks the scope', async function () {
    const res = await h.api('/api/v1/sites', { key, method: 'POST', json: { name: 'x', domain: 'x.example.com' } });
    expect(res.status).to.equal(403);
    const body = await res.json();
    expect(body.error.code).to.equal('HUB_ERR_AUTH_SCOPE');
    expect(body.error.details.requiredScope).to.equal('sites:write');
  });

  it('a revoked key stops working', async function () {
    const created = await h.api('/api/v1/keys', { key, method: 'POST', json: { name: 'temp', scopes: ['sites:read'] } });
    expect(created.status).to.equal(201);
    const { id, key: tempKey } = await created.json();
    expect((await h.api('/api/v1/sites', { key: tempKey })).status).to.equal(200);
    expect((await h.api(`/api/v1/keys/${id}`, { key, method: 'DELETE' })).status).to.equal(204);
    expect((await h.api('/api/v1/sites', { key: tempKey })).status).to.equal(401);
  });

  it('a key cannot create a key with scopes it does not hold', async function () {
    const res = await h.api('/api/v1/keys', { key, method: 'POST', json: { name: 'escalate', scopes: ['*'] } });
    expect(res.status).to.equal(403);
  });

  it('key listings never contain the key or its hash', async function () {
    const res = await h.api('/api/v1/keys', { key });
    const text = await res.text();
    expect(text).to.not.include(key);
    expect(text).to.not.include('key_hash');
    expect(text).to.not.include('keyHash');
  });

  it('JWT: a valid token works, an expired, wrongly signed or alg=none token is 401', async function () {
    const good = jwt.sign({ tenant: tenantId, scopes: ['sites:read'] }, SECRET, { subject: 'u1', expiresIn: 60 });
    expect((await h.api('/api/v1/sites', { headers: { authorization: `Bearer ${good}` } })).status).to.equal(200);

    const expired = jwt.sign({ tenant: tenantId, scopes: ['sites:read'], exp: Math.floor(Date.now() / 1000) - 10 }, SECRET, { subject: 'u1' });
    const res = await h.api('/api/v1/sites', { headers: { authorization: `Bearer ${expired}` } });
    expect(res.status).to.equal(401);
    expect((await res.json()).error.message).to.include('expired');

    const forged = jwt.sign({ tenant: tenantId, scopes: ['*'] }, 'another-secret-another-secret-another', { subject: 'u1' });
    expect((await h.api('/api/v1/sites', { headers: { authorization: `Bearer ${forged}` } })).status).to.equal(401);

    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'u1', tenant: tenantId, scopes: ['*'] })).toString('base64url')}.`;
    expect((await h.api('/api/v1/sites', { headers: { authorization: `Bearer ${none}` } })).status).to.equal(401);

    const noTenant = jwt.sign({ scopes: ['*'] }, SECRET, { subject: 'u1' });
    expect((await h.api('/api/v1/sites', { headers: { authorization: `Bearer ${noTenant}` } })).status).to.equal(401);
  });

  it('JWT: a token that verified once is still refused once it expires or when its signature is altered', async function () {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = jwt.sign({ tenant: tenantId, scopes: ['sites:read'], exp }, SECRET, { subject: 'u-cache' });
    const bearer = (t: string) => ({ headers: { authorization: `Bearer ${t}` } });
    expect((await h.api('/api/v1/sites', bearer(token))).status).to.equal(200);
    expect((await h.api('/api/v1/sites', bearer(token))).status).to.equal(200); // served from the verified-token cache
    const [head, body, sig] = token.split('.');
    const altered = `${head}.${body}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
    expect((await h.api('/api/v1/sites', bearer(altered))).status).to.equal(401);
    await new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 - Date.now()) + 50));
    const late = await h.api('/api/v1/sites', bearer(token));
    expect(late.status).to.equal(401);
    expect((await late.json()).error.message).to.include('expired');
  });

  it('a malformed Authorization header is 401', async function () {
    expect((await h.api('/api/v1/sites', { headers: { authorization: 'Basic Zm9vOmJhcg==' } })).status).to.equal(401);
  });

  it('POST /auth/token mints a JWT with at most the key\'s scopes', async function () {
    const res = await h.api('/api/v1/auth/token', { key, method: 'POST', json: { scopes: ['sites:read'] } });
    expect(res.status).to.equal(201);
    const { token } = await res.json();
    const me = await h.api('/api/v1/me', { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).to.equal(200);
    expect(await me.json()).to.deep.include({ tenantId, kind: 'jwt', scopes: ['sites:read'] });
    const tooMuch = await h.api('/api/v1/auth/token', { key, method: 'POST', json: { scopes: ['sites:write'] } });
    expect(tooMuch.status).to.equal(403);
  });
});
