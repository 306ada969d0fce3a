/**
 * The front door, as a real process: `switchyard start` with no variables but
 * a port comes up on embedded SQLite, and SIGTERM lets an in-flight request
 * finish before the process exits 0.
 */
import { expect } from 'chai';
import http from 'node:http';
import { cleanEnv, listeningPort, runCli, startCli } from '../support/processes.js';
import { tempDir } from '../support/databases.js';

describe('switchyard start (child process)', function () {
  this.timeout(30_000);

  it('starts on embedded defaults and reports SQLite ready', async function () {
    const cwd = tempDir('start');
    const hub = startCli(['start'], cleanEnv({ PORT: '0' }), cwd);
    try {
      const port = await hub.waitFor(listeningPort, 10_000);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).to.equal(200);
      const ready = await (await fetch(`http://127.0.0.1:${port}/readyz`)).json();
      expect(ready.dependencies).to.deep.include.members([{ ...ready.dependencies[0], name: 'database', driver: 'sqlite', status: 'ok' }]);
    } finally {
      hub.child.kill('SIGTERM');
      expect((await hub.exited).code).to.equal(0);
    }
  });

  it('SIGTERM during a slow in-flight request: the request completes, then exit 0', async function () {
    const dataDir = tempDir('sigterm');
    const created = await runCli(['keys', 'create', '--tenant', 'slow', '--scopes', '*', '--json'], cleanEnv({ DATA_DIR: dataDir }));
    expect(created.code, created.stderr).to.equal(0);
    const { key } = JSON.parse(created.stdout);
    const hub = startCli(['start'], cleanEnv({ PORT: '0', DATA_DIR: dataDir }));
    const port = await hub.waitFor(listeningPort);

    const body = JSON.stringify({ name: 'Slow', domain: 'slow.example.com' });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, path: '/api/v1/sites', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-api-key': key } },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      // Half the body now, SIGTERM, then the rest: the request is in flight when the signal lands.
      req.write(body.slice(0, 10));
      setTimeout(async () => {
        hub.child.kill('SIGTERM');
        await hub.waitFor((l) => (l.msg === 'signal received' ? true : undefined));
        // New connections are refused once shutdown started…
        const refused = await fetch(`http://127.0.0.1:${port}/healthz`).then(() => false, () => true);
        expect(refused, 'new connection accepted during shutdown').to.equal(true);
        req.end(body.slice(10));
      }, 300);
    });

    const res = await response;
    expect(res.status).to.equal(201);
    expect(JSON.parse(res.body).name).to.equal('Slow');
    const exit = await hub.exited;
    expect(exit.code).to.equal(0);
    expect(hub.output()).to.include('"msg":"stopped"');
  });
});
