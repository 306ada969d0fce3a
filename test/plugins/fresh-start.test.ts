/**
 * Acceptance 1: a fresh `npm start` (the `switchyard start` process, empty
 * DATA_DIR, no variables) lists the five agents and five connectors as ready.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import { tempDir } from '../support/databases.js';
import { cleanEnv, listeningPort, runCli, startCli, type RunningProcess } from '../support/processes.js';
import { builtinIds, json } from './support.js';

describe('fresh start: built-in plugins', function () {
  this.timeout(60_000);
  const dataDir = tempDir('fresh-plugins');
  let hub: RunningProcess | undefined;

  after(async function () {
    if (hub && hub.child.exitCode === null) {
      hub.child.kill('SIGTERM');
      await hub.exited;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists the 5 agents and 5 connectors with status ready', async function () {
    const env = cleanEnv({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info' });
    hub = startCli(['start'], env);
    const port = await hub.waitFor(listeningPort, 45_000);
    const created = await runCli(['keys', 'create', '--tenant', 'fresh', '--scopes', 'plugins:read', '--json'], env);
    expect(created.code, created.stderr).to.equal(0);
    const { key } = JSON.parse(created.stdout);
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/plugins`, { headers: { 'x-api-key': key } });
    expect(res.status).to.equal(200);
    const { items } = await json(res);
    const summary = items.map((p: { id: string; kind: string; status: string; source: string }) => `${p.kind}:${p.id}:${p.status}:${p.source}`).sort();
    expect(summary).to.deep.equal([
      ...builtinIds.agents.map((id) => `agent:${id}:ready:builtin`),
      ...builtinIds.connectors.map((id) => `connector:${id}:ready:builtin`),
    ].sort());
    const started = await hub.waitFor((line) => (line.msg === 'plugins started' ? line : undefined));
    expect(started.failed).to.equal(0);
  });
});
