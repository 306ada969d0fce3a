/**
 * Acceptance 4 beyond the API: a log capture at trace level during credential
 * writes (valid and invalid), checks and action runs holds no secret; and a
 * master-key rotation keeps old credentials readable while the old key is
 * still listed, `switchyard plugin rekey` moves them to the new key, and a
 * hub without the needed key refuses with a coded error instead of garbage.
 */
import { expect } from 'chai';
import { Writable } from 'node:stream';
import { loadConfig } from '../../core/config.js';
import { createHub, type Hub } from '../../core/hub.js';
import { createLogger } from '../../core/logger.js';
import { createApiKey } from '../../core/auth/api-keys.js';
import { TenantsRepo } from '../../core/db/repos/tenants-repo.js';
import { forEachDialect, type TestDatabase } from '../support/databases.js';
import { cleanEnv, runCli } from '../support/processes.js';
import { fixture, json, masterKey } from './support.js';

const SECRET = 'sk-live-Zq81vLw0pX3c';
const SECRET_B = 'sk-live-Bb55tenantB';

interface LoggedHub {
  hub: Hub;
  url: string;
  lines: string[];
  key: string;
  tenantId: string;
}

async function startLoggedHub(database: TestDatabase, env: Record<string, string>, slug = 'secrecy'): Promise<LoggedHub> {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    DATA_DIR: database.dataDir,
    LOG_LEVEL: 'trace',
    JWT_SECRET: 'test-secret-test-secret-test-secret-0123',
    PLUGIN_PATHS: [fixture('echo-agent'), fixture('vault-connector')].join(','),
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    ...env,
  });
  const hub = createHub(config, { logger: createLogger('trace', sink), searchPath: database.searchPath });
  const port = await hub.start();
  const tenant = await new TenantsRepo(hub.runtime.db).ensure(slug);
  const { key } = await createApiKey(hub.runtime.db, tenant.id, 'test', ['*']);
  return { hub, url: `http://127.0.0.1:${port}`, lines, key, tenantId: tenant.id };
}

function call(h: LoggedHub, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${h.url}/api/v1/plugins${path}`, {
    method,
    headers: { 'x-api-key': h.key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

forEachDialect('plugin credentials: logs and key rotation', (db) => {
  const k1 = masterKey('k1');
  const k2 = masterKey('k2');
  const k3 = masterKey('k3');
  let h: LoggedHub | undefined;

  afterEach(async function () {
    await h?.hub.stop();
    h = undefined;
  });

  it('writes no secret to the log while credentials are set, checked and used', async function () {
    h = await startLoggedHub(db(), { MASTER_KEYS: k1 });
    expect((await call(h, 'PUT', '/test-vault/credentials', { apiKey: SECRET, region: 'eu' })).status).to.equal(200);
    expect((await call(h, 'PUT', '/test-vault/credentials', { apiKey: SECRET, region: 'moon' })).status).to.equal(400);
    expect((await call(h, 'PUT', '/test-vault/credentials', { apiKey: 12345, secretKey: SECRET })).status).to.equal(400);
    expect((await call(h, 'POST', '/test-vault/check')).status).to.equal(200);
    expect((await call(h, 'POST', '/test-vault/actions/whoami', { input: {} })).status).to.equal(200);
    expect((await call(h, 'POST', '/test-vault/actions/fail', { input: { count: 1 } })).status).to.equal(502);
    const log = h.lines.join('');
    expect(h.lines.length).to.be.greaterThan(5); // the capture really saw the requests
    expect(log).to.contain('/api/v1/plugins/test-vault/credentials');
    expect(log).not.to.contain(SECRET);
    expect(log).not.to.contain(Buffer.from(SECRET).toString('base64'));
  });

  it('keeps old credentials readable after rotation while the old key is listed, and rekeys them', async function () {
    // The first test stored SECRET under k1. Rotate: k2 first, k1 still listed.
    h = await startLoggedHub(db(), { MASTER_KEYS: `${k2},${k1}` });
    const before = await h.hub.runtime.db('plugin_settings').where({ tenant_id: h.tenantId, plugin_id: 'test-vault' }).first();
    expect(before.credentials_key_id).to.equal('k1');
    const read = await json(await call(h, 'POST', '/test-vault/actions/whoami', { input: {} }));
    expect(read.output.keyLength).to.equal(SECRET.length);

    const other = await startLoggedHub(db(), { MASTER_KEYS: `${k2},${k1}` }, 'secrecy-b');
    await call(other, 'PUT', '/test-vault/credentials', { apiKey: SECRET_B });
    const fresh = await other.hub.runtime.db('plugin_settings').where({ tenant_id: other.tenantId, plugin_id: 'test-vault' }).first();
    expect(fresh.credentials_key_id).to.equal('k2');
    await other.hub.stop();
    await h.hub.stop();
    h = undefined;

    const d = db();
    const env = cleanEnv({ DATA_DIR: d.dataDir, DATABASE_URL: d.databaseUrl, MASTER_KEYS: `${k2},${k1}`, LOG_LEVEL: 'silent' });
    const rekey = await runCli(['plugin', 'rekey'], env);
    expect(rekey.stderr).to.equal('');
    expect(rekey.code).to.equal(0);
    expect(rekey.stdout).to.contain('re-encrypted 1 credential set(s) under key "k2"');
    expect(rekey.stdout).not.to.contain(SECRET);

    // The old key can now go.
    h = await startLoggedHub(db(), { MASTER_KEYS: k2 });
    const after = await h.hub.runtime.db('plugin_settings').where({ tenant_id: h.tenantId, plugin_id: 'test-vault' }).first();
    expect(after.credentials_key_id).to.equal('k2');
    expect(after.credentials_ciphertext).not.to.equal(before.credentials_ciphertext);
    const still = await json(await call(h, 'POST', '/test-vault/actions/whoami', { input: {} }));
    expect(still.output).to.deep.include({ keyLength: SECRET.length, fields: ['apiKey', 'region'] });
  });

  it('refuses with a coded error when no configured key can decrypt', async function () {
    h = await startLoggedHub(db(), { MASTER_KEYS: k3 });
    const res = await call(h, 'POST', '/test-vault/actions/whoami', { input: {} });
    expect(res.status).to.equal(500);
    expect((await json(res)).error.code).to.equal('HUB_ERR_SECRETS_KEY_UNKNOWN');
    expect(h.lines.join('')).not.to.contain(SECRET);
  });
});
