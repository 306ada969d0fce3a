/**
 * The plugin API on both dialects: listing and detail, per-tenant enable /
 * config / credentials with schema validation (acceptance 5), credential
 * secrecy at rest and in responses (acceptance 4), check and action runs,
 * metrics, and the malformed / hostile / cross-tenant cases of every route.
 */
import { expect } from 'chai';
import { forEachDialect } from '../support/databases.js';
import type { TestHub } from '../support/test-hub.js';
import { builtinIds, json, startPluginHub } from './support.js';

const SECRET = 'sk-live-7f3a9c1e5b2d8f4a';

forEachDialect('plugin API', (db) => {
  let t: TestHub;
  let a: { tenantId: string; key: string };
  let b: { tenantId: string; key: string };
  let readOnly: string;

  before(async function () {
    t = await startPluginHub(db());
    a = await t.tenant('plugins-a');
    b = await t.tenant('plugins-b');
    readOnly = (await t.tenant('plugins-a', ['plugins:read'])).key;
  });
  after(async function () {
    await t?.stop();
  });

  const put = (path: string, key: string, body: unknown) => t.api(`/api/v1/plugins${path}`, { key, method: 'PUT', json: body });
  const post = (path: string, key: string, body?: unknown) => t.api(`/api/v1/plugins${path}`, { key, method: 'POST', ...(body === undefined ? {} : { json: body }) });
  const get = (path: string, key: string) => t.api(`/api/v1/plugins${path}`, { key });

  describe('listing', function () {
    it('lists built-ins and test plugins with kind, version, status and operations', async function () {
      const res = await get('', a.key);
      expect(res.status).to.equal(200);
      const { items } = await json(res);
      const ids = items.map((p: { id: string }) => p.id);
      expect(ids).to.include.members([...builtinIds.agents, ...builtinIds.connectors, 'test-echo', 'test-vault']);
      const vault = items.find((p: { id: string }) => p.id === 'test-vault');
      expect(vault).to.deep.include({ kind: 'connector', version: '0.0.1', status: 'ready', failure: null, source: 'path', enabled: true, webhook: false });
      expect(vault.actions).to.deep.equal(['whoami', 'fail', 'crash']);
      const scanner = items.find((p: { id: string }) => p.id === 'opportunity-scanner');
      expect(scanner.capabilities).to.deep.equal(['market_scan', 'competitor_research', 'affiliate_program_scan']);
    });

    it('filters by kind and refuses unknown filters', async function () {
      const { items } = await json(await get('?kind=agent', a.key));
      expect(items.every((p: { kind: string }) => p.kind === 'agent')).to.equal(true);
      expect((await get('?kind=robot', a.key)).status).to.equal(400);
      expect((await get('?sort=id', a.key)).status).to.equal(400);
    });

    it('shows one plugin with its schemas and this tenant\'s settings', async function () {
      const res = await get('/test-vault', a.key);
      expect(res.status).to.equal(200);
      const body = await json(res);
      expect(body.credentialsSchema.required).to.deep.equal(['apiKey']);
      expect(body.configSchema.properties.limit).to.include({ type: 'integer' });
      expect(body.operations.fail.input.required).to.deep.equal(['count']);
      expect(body.settings).to.deep.equal({ enabled: true, config: {}, credentialFields: [], updatedAt: null });
      expect(body.health).to.include.keys('calls', 'failures', 'lastError', 'latency');
    });

    it('answers 404 for an unknown plugin and 400 for a malformed id', async function () {
      const missing = await get('/no-such-plugin', a.key);
      expect(missing.status).to.equal(404);
      expect((await json(missing)).error.code).to.equal('HUB_ERR_PLUGIN_NOT_FOUND');
      for (const bad of ['/Bad_Id', `/${'a'.repeat(65)}`, '/..%2F..%2Fetc', '/a%00b']) {
        expect((await get(bad, a.key)).status, bad).to.equal(400);
      }
    });

    it('needs credentials and the plugins:read scope', async function () {
      expect((await t.api('/api/v1/plugins')).status).to.equal(401);
      expect((await t.api('/api/v1/plugins', { key: 'sy_nope_nope' })).status).to.equal(401);
    });
  });

  describe('config', function () {
    it('stores a valid config and hands it (with defaults) to the connector', async function () {
      const res = await put('/test-vault/config', a.key, { label: 'main' });
      expect(res.status).to.equal(200);
      expect((await json(res)).config).to.deep.equal({ label: 'main' });
      await put('/test-vault/credentials', a.key, { apiKey: SECRET });
      const out = await json(await post('/test-vault/actions/whoami', a.key, { input: {} }));
      expect(out.output.config).to.deep.equal({ label: 'main', limit: 3 });
    });

    it('refuses schema violations with field paths and changes nothing (acceptance 5)', async function () {
      const res = await put('/test-vault/config', a.key, { limit: 99, label: 5, extra: true });
      expect(res.status).to.equal(400);
      const body = await json(res);
      expect(body.error.code).to.equal('HUB_ERR_VALIDATION_FAILED');
      expect(body.error.details.map((d: { path: string }) => d.path)).to.include.members(['/body/limit', '/body/label', '/body/extra']);
      const after = await json(await get('/test-vault', a.key));
      expect(after.settings.config).to.deep.equal({ label: 'main' });
    });

    it('validates a built-in\'s config against its schema and refuses non-object bodies', async function () {
      const scanner = await put('/opportunity-scanner/config', a.key, { defaultCountry: 'germany' });
      expect(scanner.status).to.equal(400);
      expect((await json(scanner)).error.details[0].path).to.equal('/body/defaultCountry');
      expect((await put('/test-vault/config', a.key, [1, 2])).status).to.equal(400);
      expect((await put('/test-vault/config', a.key, 'text')).status).to.equal(400);
    });

    it('keeps each tenant\'s config apart', async function () {
      const other = await json(await get('/test-vault', b.key));
      expect(other.settings.config).to.deep.equal({});
    });
  });

  describe('credentials', function () {
    it('answers with field names only and never returns a value (acceptance 4)', async function () {
      const res = await put('/test-vault/credentials', a.key, { apiKey: SECRET, region: 'eu' });
      expect(res.status).to.equal(200);
      const text = await res.text();
      expect(text).not.to.contain(SECRET);
      expect(JSON.parse(text).credentialFields).to.deep.equal(['apiKey', 'region']);
      for (const path of ['', '/test-vault', '?kind=connector']) {
        expect(await (await get(path, a.key)).text(), path).not.to.contain(SECRET);
      }
      const openapi = await (await t.api('/api/v1/openapi.json')).text();
      expect(openapi).not.to.contain(SECRET);
    });

    it('stores ciphertext that differs from the plaintext, with its key id (acceptance 4)', async function () {
      const row = await t.hub.runtime.db('plugin_settings').where({ tenant_id: a.tenantId, plugin_id: 'test-vault' }).first();
      expect(row.credentials_ciphertext).to.be.a('string').and.not.contain(SECRET);
      expect(row.credentials_ciphertext).not.to.contain(Buffer.from(SECRET).toString('base64'));
      expect(row.credentials_ciphertext.startsWith(`sy1.${row.credentials_key_id}.`)).to.equal(true);
      expect(JSON.stringify(row)).not.to.contain(SECRET);
    });

    it('hands the decrypted credentials to the connector for the calling tenant only', async function () {
      const out = await json(await post('/test-vault/actions/whoami', a.key, { input: {}, idempotencyKey: 'run-1:stage-a' }));
      expect(out.output).to.deep.include({ tenantId: a.tenantId, fields: ['apiKey', 'region'], keyLength: SECRET.length, idempotencyKey: 'run-1:stage-a' });
      const otherTenant = await post('/test-vault/actions/whoami', b.key, { input: {} });
      expect(otherTenant.status).to.equal(409);
      expect((await json(otherTenant)).error.code).to.equal('HUB_ERR_PLUGIN_NOT_CONFIGURED');
      expect((await json(await get('/test-vault', b.key))).settings.credentialFields).to.deep.equal([]);
    });

    it('refuses schema violations with field paths and keeps the stored credentials (acceptance 5)', async function () {
      const res = await put('/test-vault/credentials', a.key, { apiKey: 'short', region: 'mars', token: 'x' });
      expect(res.status).to.equal(400);
      const body = await json(res);
      expect(body.error.details.map((d: { path: string }) => d.path)).to.include.members(['/body/apiKey', '/body/region', '/body/token']);
      expect(JSON.stringify(body)).not.to.contain('short');
      const missing = await put('/test-vault/credentials', a.key, {});
      expect((await json(missing)).error.details).to.deep.equal([{ path: '/body/apiKey', message: "must have required property 'apiKey'" }]);
      const out = await json(await post('/test-vault/actions/whoami', a.key, { input: {} }));
      expect(out.output.keyLength).to.equal(SECRET.length);
    });

    it('refuses credentials for an agent', async function () {
      const res = await put('/test-echo/credentials', a.key, { apiKey: SECRET });
      expect(res.status).to.equal(400);
      expect((await json(res)).error.code).to.equal('HUB_ERR_PLUGIN_WRONG_KIND');
    });

    it('forgets credentials on DELETE', async function () {
      await put('/test-vault/credentials', b.key, { apiKey: 'tenant-b-key-1' });
      const del = await t.api('/api/v1/plugins/test-vault/credentials', { key: b.key, method: 'DELETE' });
      expect(del.status).to.equal(204);
      expect((await post('/test-vault/actions/whoami', b.key, { input: {} })).status).to.equal(409);
      expect((await post('/test-vault/actions/whoami', a.key, { input: {} })).status).to.equal(200);
    });
  });

  describe('enable and disable', function () {
    it('disables a plugin for one tenant only', async function () {
      const off = await put('/test-vault/enabled', a.key, { enabled: false });
      expect(off.status).to.equal(200);
      expect((await json(off)).enabled).to.equal(false);
      const refused = await post('/test-vault/actions/whoami', a.key, { input: {} });
      expect(refused.status).to.equal(409);
      expect((await json(refused)).error.code).to.equal('HUB_ERR_PLUGIN_DISABLED');
      const listA = (await json(await get('', a.key))).items.find((p: { id: string }) => p.id === 'test-vault');
      const listB = (await json(await get('', b.key))).items.find((p: { id: string }) => p.id === 'test-vault');
      expect([listA.enabled, listB.enabled]).to.deep.equal([false, true]);
      await put('/test-vault/enabled', a.key, { enabled: true });
      expect((await post('/test-vault/actions/whoami', a.key, { input: {} })).status).to.equal(200);
    });

    it('validates the body', async function () {
      expect((await put('/test-vault/enabled', a.key, { enabled: 'no' })).status).to.equal(400);
      expect((await put('/test-vault/enabled', a.key, {})).status).to.equal(400);
      expect((await put('/nope-plugin/enabled', a.key, { enabled: false })).status).to.equal(404);
    });
  });

  describe('actions and checks', function () {
    it('validates action input with paths under /body/input', async function () {
      const res = await post('/test-vault/actions/fail', a.key, { input: { count: 'three' } });
      expect(res.status).to.equal(400);
      expect((await json(res)).error.details[0].path).to.equal('/body/input/count');
      expect((await post('/test-vault/actions/fail', a.key, {})).status).to.equal(400);
      expect((await post('/test-vault/actions/fail', a.key, { input: { count: 1 }, extra: 1 })).status).to.equal(400);
    });

    it('reports a plugin\'s own error with its code, and hides a crash\'s internals', async function () {
      const failed = await post('/test-vault/actions/fail', a.key, { input: { count: 1 } });
      expect(failed.status).to.equal(502);
      const body = await json(failed);
      expect(body.error).to.deep.include({ code: 'HUB_ERR_PLUGIN_FAILED', message: 'test-vault: the vault is down' });
      expect(body.error.details).to.deep.equal({ pluginCode: 'UPSTREAM_DOWN', retryable: true });
      const crash = await post('/test-vault/actions/crash', a.key, { input: {} });
      expect(crash.status).to.equal(502);
      expect(await crash.text()).not.to.contain('secret internals');
    });

    it('answers 404 for unknown actions and 400 for malformed action names', async function () {
      const res = await post('/test-vault/actions/nothing', a.key, { input: {} });
      expect(res.status).to.equal(404);
      expect((await json(res)).error.code).to.equal('HUB_ERR_PLUGIN_UNKNOWN_OPERATION');
      expect((await post('/test-vault/actions/Bad-Name', a.key, { input: {} })).status).to.equal(400);
      expect((await post('/test-echo/actions/echo', a.key, { input: {} })).status).to.equal(400);
    });

    it('fails a built-in action that is not built yet with 501, never a made-up result', async function () {
      await put('/cloudflare/credentials', a.key, { apiToken: 'cf-token-0123456789abcdef' });
      const res = await post('/cloudflare/actions/find_zone', a.key, { input: { name: 'hub-demo.example' } });
      expect(res.status).to.equal(501);
      expect((await json(res)).error.code).to.equal('HUB_ERR_NOT_IMPLEMENTED');
    });

    it('runs the credential check: ok, refused, not configured, not applicable', async function () {
      const ok = await post('/test-vault/check', a.key);
      expect(ok.status).to.equal(200);
      expect((await json(ok)).ok).to.equal(true);
      await put('/test-vault/credentials', b.key, { apiKey: 'wrong-key-000' });
      const refused = await post('/test-vault/check', b.key);
      expect(refused.status).to.equal(502);
      expect((await json(refused)).error.details.pluginCode).to.equal('CREDENTIALS_REJECTED');
      await t.api('/api/v1/plugins/test-vault/credentials', { key: b.key, method: 'DELETE' });
      expect((await post('/test-vault/check', b.key)).status).to.equal(409);
      expect((await post('/test-echo/check', a.key)).status).to.equal(400);
      // A built-in whose check is not built yet says so (501) instead of pretending the credentials work.
      const builtin = await post('/awin/check', a.key);
      expect(builtin.status).to.equal(501);
      expect((await json(builtin)).error.code).to.equal('HUB_ERR_NOT_IMPLEMENTED');
    });
  });

  describe('hostile and malformed requests', function () {
    it('refuses malformed JSON, wrong media types, oversized and prototype-polluting bodies', async function () {
      const raw = (body: string, type = 'application/json', extra: Record<string, string> = {}) =>
        t.api('/api/v1/plugins/test-vault/credentials', { key: a.key, method: 'PUT', headers: { 'content-type': type, ...extra }, body });
      expect((await raw('{"apiKey": ')).status).to.equal(400);
      expect((await raw('apiKey=x', 'application/x-www-form-urlencoded')).status).to.equal(415);
      expect((await raw(JSON.stringify({ apiKey: 'x'.repeat(2_000_000) }))).status).to.equal(413);
      expect((await raw('{"__proto__": {"admin": true}, "apiKey": "aaaaaaaaaa"}')).status).to.equal(400);
      expect((await raw('{"constructor": {"prototype": {"x": 1}}}')).status).to.equal(400);
      const row = await t.hub.runtime.db('plugin_settings').where({ tenant_id: a.tenantId, plugin_id: 'test-vault' }).first();
      expect(JSON.parse(row.credential_fields)).to.deep.equal(['apiKey', 'region']);
    });

    it('needs the plugins:write scope for every change', async function () {
      const res = await put('/test-vault/config', readOnly, { label: 'x' });
      expect(res.status).to.equal(403);
      expect((await put('/test-vault/credentials', readOnly, { apiKey: 'aaaaaaaaaa' })).status).to.equal(403);
      expect((await put('/test-vault/enabled', readOnly, { enabled: false })).status).to.equal(403);
      expect((await post('/test-vault/actions/whoami', readOnly, { input: {} })).status).to.equal(403);
      expect((await post('/test-vault/check', readOnly)).status).to.equal(403);
      expect((await t.api('/api/v1/plugins/test-vault/credentials', { key: readOnly, method: 'DELETE' })).status).to.equal(403);
      expect((await get('/test-vault', readOnly)).status).to.equal(200);
    });
  });

  describe('health and metrics', function () {
    it('counts calls, failures and latency per plugin in /metrics and the API', async function () {
      const metrics = await (await t.api('/metrics')).text();
      expect(metrics).to.match(/switchyard_plugin_calls_total\{plugin="test-vault",kind="connector",operation="whoami"\} [1-9]/);
      expect(metrics).to.match(/switchyard_plugin_failures_total\{plugin="test-vault",kind="connector",operation="fail",code="UPSTREAM_DOWN"\} [1-9]/);
      expect(metrics).to.contain('switchyard_plugin_call_duration_seconds_bucket{le="0.005",plugin="test-vault"');
      const { health } = await json(await get('/test-vault', a.key));
      expect(health.calls).to.be.greaterThan(health.failures).and.greaterThan(0);
      expect(health.lastError.code).to.be.a('string');
      expect(health.latency.buckets.at(-1)).to.deep.equal({ le: '+Inf', count: health.latency.count });
    });
  });
});
