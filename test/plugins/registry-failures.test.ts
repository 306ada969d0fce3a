/**
 * Acceptance 2: every way a plugin can fail to start is reported with a coded
 * reason naming the plugin, while the hub starts, serves requests and runs
 * the healthy plugins.
 */
import { expect } from 'chai';
import { forEachDialect } from '../support/databases.js';
import type { TestHub } from '../support/test-hub.js';
import { startTestHub } from '../support/test-hub.js';
import { lifecycleLog } from '../fixtures/plugins/lifecycle-log.js';
import { builtinIds, fixture, json } from './support.js';
import { PLUGIN_API_VERSION } from '../../core/sdk/index.js';

const paths = [
  'echo-agent',
  'vault-connector',
  'invalid-manifest',
  'incompatible-range',
  'duplicate-id',
  'throwing-setup',
  'hanging-setup',
  'import-throws',
  'no-default',
].map(fixture);

/** Bound on each setup (and import); generous so a busy machine never fails the healthy fixtures. */
const HANG_MS = 2000;

forEachDialect('plugin registry failure modes', (db) => {
  let t: TestHub;
  let key: string;
  let items: any[];

  before(async function () {
    lifecycleLog().length = 0;
    t = await startTestHub(db(), { PLUGIN_PATHS: [...paths, '/nonexistent/plugin.ts'].join(','), PLUGIN_START_TIMEOUT_MS: String(HANG_MS) });
    ({ key } = await t.tenant('failures'));
    const res = await t.api('/api/v1/plugins', { key });
    expect(res.status).to.equal(200);
    items = (await json(res)).items;
  });
  after(async function () {
    await t?.stop();
  });

  function bySource(origin: string) {
    const found = items.find((p) => p.origin === origin);
    expect(found, `no entry for ${origin}`).to.exist;
    return found;
  }

  it('still lists every built-in as ready', function () {
    for (const id of [...builtinIds.agents, ...builtinIds.connectors]) {
      expect(items.find((p) => p.id === id)?.status, id).to.equal('ready');
    }
  });

  it('reports an invalid manifest with field paths', function () {
    const p = bySource(fixture('invalid-manifest'));
    expect(p.status).to.equal('failed');
    expect(p.failure.code).to.equal('HUB_ERR_PLUGIN_MANIFEST_INVALID');
    const paths = p.failure.details.map((d: { path: string }) => d.path);
    expect(paths).to.include.members(['/id', '/version', '/capabilities/go/input', '/handle']);
    expect(p.failure.message).to.contain('Not A Valid Id');
  });

  it('reports an incompatible hub range with both versions', function () {
    const p = bySource(fixture('incompatible-range'));
    expect(p).to.include({ id: 'test-future', status: 'failed', version: '3.0.0' });
    expect(p.failure.code).to.equal('HUB_ERR_PLUGIN_INCOMPATIBLE');
    expect(p.failure.message).to.contain('^2.0.0').and.contain(PLUGIN_API_VERSION);
  });

  it('keeps the first plugin of a duplicated id and fails the second, naming the first', function () {
    const dup = bySource(fixture('duplicate-id'));
    expect(dup.status).to.equal('failed');
    expect(dup.failure.code).to.equal('HUB_ERR_PLUGIN_DUPLICATE_ID');
    expect(dup.failure.message).to.contain(fixture('echo-agent'));
    const original = bySource(fixture('echo-agent'));
    expect(original).to.include({ id: 'test-echo', status: 'ready', version: '1.2.3' });
  });

  it('reports a setup that throws with its message', function () {
    const p = bySource(fixture('throwing-setup'));
    expect(p).to.include({ id: 'test-throwing', status: 'failed' });
    expect(p.failure.code).to.equal('HUB_ERR_PLUGIN_SETUP_FAILED');
    expect(p.failure.message).to.contain('could not reach the licence server');
  });

  it('reports a setup that hangs as a start timeout', function () {
    const p = bySource(fixture('hanging-setup'));
    expect(p).to.include({ id: 'test-hanging', status: 'failed' });
    expect(p.failure.code).to.equal('HUB_ERR_PLUGIN_START_TIMEOUT');
    expect(p.failure.message).to.contain(`${HANG_MS} ms`);
  });

  it('reports modules that throw on import, export nothing or do not exist', function () {
    expect(bySource(fixture('import-throws')).failure).to.include({ code: 'HUB_ERR_PLUGIN_LOAD_FAILED' });
    expect(bySource(fixture('import-throws')).failure.message).to.contain('module initialisation failed');
    expect(bySource(fixture('no-default')).failure.code).to.equal('HUB_ERR_PLUGIN_MANIFEST_INVALID');
    expect(bySource('/nonexistent/plugin.ts').failure).to.deep.include({ code: 'HUB_ERR_PLUGIN_LOAD_FAILED' });
  });

  it('keeps serving requests and running the healthy plugins', async function () {
    expect((await t.api('/healthz')).status).to.equal(200);
    const res = await t.api('/api/v1/plugins/test-vault/credentials', { key, method: 'PUT', json: { apiKey: 'key-12345678' } });
    expect(res.status).to.equal(200);
    const action = await t.api('/api/v1/plugins/test-vault/actions/whoami', { key, method: 'POST', json: { input: {} } });
    expect(action.status).to.equal(200);
    expect((await json(action)).output.fields).to.deep.equal(['apiKey']);
  });

  it('refuses calls to a failed plugin with its reason', async function () {
    const res = await t.api('/api/v1/plugins/test-throwing/actions/anything', { key, method: 'POST', json: { input: {} } });
    expect(res.status).to.equal(409);
    const body = await json(res);
    expect(body.error.code).to.equal('HUB_ERR_PLUGIN_UNAVAILABLE');
    expect(body.error.message).to.contain('could not reach the licence server');
    const detail = await json(await t.api('/api/v1/plugins/test-hanging', { key }));
    expect(detail.failure.code).to.equal('HUB_ERR_PLUGIN_START_TIMEOUT');
  });

  it('runs setups in discovery order and, on stop, teardowns in reverse', async function () {
    expect(lifecycleLog()).to.deep.equal(['setup:test-echo', 'setup:test-vault']);
    await t.stop();
    expect(lifecycleLog()).to.deep.equal(['setup:test-echo', 'setup:test-vault', 'teardown:test-vault', 'teardown:test-echo']);
    const statuses = t.hub.runtime.plugins.list().filter((r) => r.origin === fixture('echo-agent') || r.origin === fixture('vault-connector')).map((r) => r.status);
    expect(statuses).to.deep.equal(['stopped', 'stopped']);
  });
});
