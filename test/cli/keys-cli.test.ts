import { expect } from 'chai';
import { forEachDialect } from '../support/databases.js';
import { cleanEnv, runCli } from '../support/processes.js';
import { startTestHub } from '../support/test-hub.js';

forEachDialect('switchyard keys (CLI)', (database) => {
  const env = () => cleanEnv({ DATA_DIR: database().dataDir, DATABASE_URL: database().databaseUrl, LOG_LEVEL: 'silent' });

  it('create prints a working key once; list hides it; revoke disables it', async function () {
    const created = await runCli(['keys', 'create', '--tenant', 'cli-co', '--scopes', 'sites:read,sites:write', '--json'], env());
    expect(created.code, created.stderr).to.equal(0);
    const { key, id, scopes } = JSON.parse(created.stdout);
    expect(key).to.match(/^sy_/);
    expect(scopes).to.deep.equal(['sites:read', 'sites:write']);

    const h = await startTestHub(database(), { API_KEY_CACHE_MS: '0' });
    try {
      expect((await h.api('/api/v1/sites', { key })).status).to.equal(200);

      const listed = await runCli(['keys', 'list', '--tenant', 'cli-co'], env());
      expect(listed.code).to.equal(0);
      expect(listed.stdout).to.include(id);
      expect(listed.stdout).to.not.include(key);

      const revoked = await runCli(['keys', 'revoke', '--tenant', 'cli-co', id], env());
      expect(revoked.code, revoked.stderr).to.equal(0);
      expect((await h.api('/api/v1/sites', { key })).status).to.equal(401);
    } finally {
      await h.stop();
    }
  });

  it('refuses unknown scopes and bad tenant slugs with a clear message', async function () {
    const badScope = await runCli(['keys', 'create', '--tenant', 'x', '--scopes', 'root'], env());
    expect(badScope.code).to.not.equal(0);
    expect(badScope.stderr).to.include('unknown scope');
    const badSlug = await runCli(['keys', 'create', '--tenant', 'Not A Slug', '--scopes', '*'], env());
    expect(badSlug.code).to.not.equal(0);
    expect(badSlug.stderr).to.include('slug');
  });

  it('token mints a JWT the hub accepts', async function () {
    await runCli(['keys', 'create', '--tenant', 'jwt-co', '--scopes', '*'], env());
    const token = await runCli(['token', '--tenant', 'jwt-co', '--scopes', 'sites:read'], { ...env(), JWT_SECRET: 'test-secret-test-secret-test-secret-0123' });
    expect(token.code, token.stderr).to.equal(0);
    const h = await startTestHub(database());
    try {
      const res = await h.api('/api/v1/me', { headers: { authorization: `Bearer ${token.stdout.trim()}` } });
      expect(res.status).to.equal(200);
      expect((await res.json()).scopes).to.deep.equal(['sites:read']);
    } finally {
      await h.stop();
    }
  });
});
