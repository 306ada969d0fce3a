/**
 * Acceptance 3: `switchyard plugin new` scaffolds a package whose own test
 * passes straight away; packed and installed as switchyard-plugin-<name>
 * into a node_modules folder the hub searches, it is discovered, listed as
 * ready and runs, with no change to the hub's code.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import nock from 'nock';
import { tempDir, forEachDialect } from '../support/databases.js';
import { cleanEnv, repoRoot, runCli } from '../support/processes.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { scaffoldPlugin } from '../../core/plugins/scaffold/scaffold.js';
import { json } from './support.js';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function sh(cmd: string, args: string[], cwd: string) {
  const result = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...cleanEnv(), npm_config_update_notifier: 'false' } });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

describe('switchyard plugin new', function () {
  this.timeout(120_000);
  const work = tempDir('scaffold');
  const hubModules = path.join(work, 'hub-install', 'node_modules');
  after(function () {
    fs.rmSync(work, { recursive: true, force: true });
  });

  for (const [name, kind] of [['price-watch', 'agent'], ['shop-api', 'connector']] as const) {
    it(`scaffolds ${kind === 'agent' ? 'an' : 'a'} ${kind} whose own test passes, and installs it as switchyard-plugin-${name}`, async function () {
      const created = await runCli(['plugin', 'new', name, '--kind', kind, '--dir', work], cleanEnv());
      expect(created.stderr).to.equal('');
      expect(created.code).to.equal(0);
      const dir = path.join(work, `switchyard-plugin-${name}`);
      expect(fs.readdirSync(dir).sort()).to.deep.equal(['README.md', 'index.ts', 'package.json', 'test', 'tsconfig.json']);
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      expect(pkg).to.deep.include({ name: `switchyard-plugin-${name}`, type: 'module' });
      expect(pkg.devDependencies.switchyard).to.equal(`file:${repoRoot}`);

      // What `npm install` does with the file: dev dependency: link the hub.
      fs.mkdirSync(path.join(dir, 'node_modules'));
      fs.symlinkSync(repoRoot, path.join(dir, 'node_modules', 'switchyard'), 'dir');
      const test = sh(npm, ['test'], dir);
      expect(test.out).to.match(/# pass 3/).and.match(/# fail 0/);
      expect(test.code, test.out).to.equal(0);

      // Pack it and install the tarball into a folder the hub searches.
      const installRoot = path.dirname(hubModules);
      fs.mkdirSync(installRoot, { recursive: true });
      if (!fs.existsSync(path.join(installRoot, 'package.json'))) fs.writeFileSync(path.join(installRoot, 'package.json'), '{"name":"hub-install","private":true}\n');
      const pack = sh(npm, ['pack', dir, '--pack-destination', work], work);
      expect(pack.code, pack.out).to.equal(0);
      const install = sh(npm, ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', path.join(work, `switchyard-plugin-${name}-0.1.0.tgz`)], installRoot);
      expect(install.code, install.out).to.equal(0);
      expect(fs.existsSync(path.join(hubModules, `switchyard-plugin-${name}`, 'index.ts'))).to.equal(true);
    });
  }

  it('refuses bad names, bad kinds and a non-empty target', async function () {
    const res = await runCli(['plugin', 'new', 'ok-name', '--kind', 'robot', '--dir', work], cleanEnv());
    expect(res.code).to.not.equal(0);
    expect(res.stderr).to.contain('must be agent or connector');
    expect(() => scaffoldPlugin({ name: 'Bad_Name', kind: 'agent', dir: work })).to.throw(/lowercase/);
    expect(() => scaffoldPlugin({ name: 'price-watch', kind: 'agent', dir: work })).to.throw(/not empty/);
    expect(fs.existsSync(path.join(work, 'switchyard-plugin-ok-name'))).to.equal(false);
  });

  forEachDialect('the installed packages in a running hub', (db) => {
    let t: TestHub;
    before(async function () {
      t = await startTestHub(db(), { PLUGIN_PACKAGE_DIRS: hubModules });
    });
    after(async function () {
      nock.cleanAll();
      await t?.stop();
    });

    it('are discovered and listed as ready next to the built-ins', async function () {
      const { key } = await t.tenant('scaffold');
      const { items } = await json(await t.api('/api/v1/plugins?status=ready', { key }));
      const mine = items.filter((p: { source: string }) => p.source === 'package');
      expect(mine.map((p: { id: string; origin: string; kind: string }) => [p.id, p.origin, p.kind])).to.deep.equal([
        ['price-watch', 'switchyard-plugin-price-watch', 'agent'],
        ['shop-api', 'switchyard-plugin-shop-api', 'connector'],
      ]);
      expect(items).to.have.length(12);
    });

    it('run through the hub like built-ins', async function () {
      const { tenantId, key } = await t.tenant('scaffold-run');
      const greeting = await t.hub.runtime.plugins.runAgentTask({ tenantId, agentId: 'price-watch', task: { capability: 'greet', input: { name: 'Ada' } } });
      expect(greeting).to.deep.equal({ message: 'Hello, Ada!' });
      nock('https://api.example.com', { reqheaders: { authorization: 'Bearer shop-key-123' } }).get('/items/a1').reply(200, { id: 'a1', name: 'Tent' });
      await t.api('/api/v1/plugins/shop-api/credentials', { key, method: 'PUT', json: { apiKey: 'shop-key-123' } });
      const res = await t.api('/api/v1/plugins/shop-api/actions/get_item', { key, method: 'POST', json: { input: { id: 'a1' } } });
      expect(await json(res)).to.deep.equal({ output: { id: 'a1', name: 'Tent' } });
    });
  });
});
