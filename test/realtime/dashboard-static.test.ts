import { expect } from 'chai';
import http from 'node:http';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { connectSocket } from './socket-client.js';

/** A raw request, so paths reach the server exactly as written (fetch would normalise `..`). */
function rawGet(url: string, path: string, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path, method }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dashboard assets and hub shutdown with live sockets', function () {
  let database: TestDatabase;
  let h: TestHub;

  before(async function () {
    database = await createTestDatabase('sqlite');
    h = await startTestHub(database);
  });
  after(async function () {
    await h.stop();
    await database.cleanup();
  });

  it('serves the dashboard at / with a strict Content-Security-Policy', async function () {
    const res = await rawGet(h.url, '/');
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/^text\/html/);
    expect(res.body).to.include('<script type="module" src="/assets/app.js">');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).to.include("default-src 'none'");
    expect(csp).to.include("script-src 'self'");
    expect(csp).to.include("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).to.equal('nosniff');
    const js = await rawGet(h.url, '/assets/app.js');
    expect(js.status).to.equal(200);
    expect(js.headers['content-type']).to.match(/javascript/);
    expect((await rawGet(h.url, '/', 'HEAD')).status).to.equal(200);
  });

  it('serves the Socket.IO client the page imports', async function () {
    const res = await rawGet(h.url, '/socket.io/socket.io.esm.min.js');
    expect(res.status).to.equal(200);
    expect(res.body).to.include('export');
  });

  it('never serves files outside dashboard/, dotfiles or unknown assets', async function () {
    for (const path of [
      '/assets/../../core/config.ts', '/assets/%2e%2e/%2e%2e/package.json', '/assets/..%2f..%2fpackage.json', '/..%2fpackage.json',
      '/package.json', '/core/config.ts', '/assets/.env', '/assets/nope.js', '/index.html%00.js', '/assets/%E0%A4%A',
    ]) {
      const res = await rawGet(h.url, path);
      expect(res.status, path).to.be.oneOf([400, 404]);
      expect(res.body, path).not.to.include('process.env');
      expect(res.body, path).not.to.include('"dependencies"');
      expect(res.headers['content-type'], path).to.match(/^application\/json/);
    }
  });

  it('leaves the API alone: a POST to / is not a file, and API errors keep their shape', async function () {
    const post = await rawGet(h.url, '/', 'POST');
    expect(post.status).to.be.oneOf([404, 405]);
    const api = await rawGet(h.url, '/api/v1/sites');
    expect(api.status).to.equal(401);
    expect(JSON.parse(api.body).error.code).to.equal('HUB_ERR_AUTH_MISSING');
    expect(api.headers['content-security-policy']).to.equal(undefined);
  });

  it('reports its sockets in /metrics', async function () {
    const { key } = await h.tenant('metrics', ['runs:read']);
    const s = await connectSocket(h.url, key);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).to.match(/switchyard_realtime_connected_sockets \d+/);
    expect(Number(/switchyard_realtime_connected_sockets (\d+)/.exec(metrics)![1])).to.be.at.least(1);
    s.close();
  });

  it('stops promptly while websocket clients are connected, disconnecting them', async function () {
    // Upgraded websockets are not idle HTTP connections: unless the hub ends them first,
    // server.close() waits for SHUTDOWN_TIMEOUT_MS (10 minutes here), far past this test's timeout.
    const otherDb = await createTestDatabase('sqlite');
    const other = await startTestHub(otherDb, { SHUTDOWN_TIMEOUT_MS: '600000' });
    const { key } = await other.tenant('shutdown', ['runs:read']);
    const sockets = await Promise.all([1, 2, 3].map(() => connectSocket(other.url, key)));
    const disconnected = sockets.map((s) => new Promise<string>((resolve) => s.socket.once('disconnect', resolve)));
    await other.stop();
    expect(await Promise.all(disconnected)).to.deep.equal(['io server disconnect', 'io server disconnect', 'io server disconnect']);
    await otherDb.cleanup();
  });
});
