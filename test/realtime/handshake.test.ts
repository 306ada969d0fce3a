import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { createTestDatabase as createDatabase } from '../support/databases.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { connectSocket, refusedWith } from './socket-client.js';
import type { TestDatabase } from '../support/databases.js';

const SECRET = 'test-secret-test-secret-test-secret-0123';

describe('realtime handshake', function () {
  let database: TestDatabase;
  let h: TestHub;
  let key: string;
  let tenantId: string;

  before(async function () {
    database = await createDatabase('sqlite');
    h = await startTestHub(database, { API_KEY_CACHE_MS: '0' });
    ({ key, tenantId } = await h.tenant('rt-handshake', ['runs:read']));
  });
  after(async function () {
    await h.stop();
    await database.cleanup();
  });

  it('refuses a socket without credentials', async function () {
    const err = await refusedWith(h.url, undefined);
    expect(err.data?.code).to.equal('HUB_ERR_AUTH_MISSING');
    expect((await refusedWith(h.url, '')).data?.code).to.equal('HUB_ERR_AUTH_MISSING');
  });

  it('refuses unknown, malformed and oversized API keys', async function () {
    for (const bad of ['sy_abcdefgh_' + 'A'.repeat(43), 'sy_nope', 'sy_' + 'x'.repeat(5000)]) {
      const err = await refusedWith(h.url, bad);
      expect(err.data?.code, bad.slice(0, 20)).to.equal('HUB_ERR_AUTH_INVALID');
    }
  });

  it('refuses a non-string token', async function () {
    for (const token of [12345, { $gt: '' }, ['a']]) {
      const err = await refusedWith(h.url, token as unknown as string);
      expect(err.data?.code).to.equal('HUB_ERR_AUTH_MISSING');
    }
  });

  it('refuses an expired JWT, saying it expired', async function () {
    const expired = jwt.sign({ tenant: tenantId, scopes: ['runs:read'], exp: Math.floor(Date.now() / 1000) - 60 }, SECRET, { algorithm: 'HS256', subject: 'u1' });
    const err = await refusedWith(h.url, expired);
    expect(err.data?.code).to.equal('HUB_ERR_AUTH_INVALID');
    expect(err.data?.message).to.equal('The token has expired');
  });

  it('refuses a JWT signed with another secret, with alg none, or without the claims', async function () {
    const forged = jwt.sign({ tenant: tenantId, scopes: ['*'] }, 'another-secret-another-secret-another-0', { algorithm: 'HS256', subject: 'u1', expiresIn: 60 });
    const none = jwt.sign({ tenant: tenantId, scopes: ['*'], sub: 'u1' }, '', { algorithm: 'none' });
    const noTenant = jwt.sign({ scopes: ['*'] }, SECRET, { algorithm: 'HS256', subject: 'u1', expiresIn: 60 });
    for (const token of [forged, none, noTenant, 'not.a.jwt']) {
      expect((await refusedWith(h.url, token)).data?.code).to.equal('HUB_ERR_AUTH_INVALID');
    }
  });

  it('refuses a revoked API key', async function () {
    const { key: admin } = await h.tenant('rt-handshake-admin', ['keys:write', 'keys:read']);
    const created = await h.api('/api/v1/keys', { key: admin, method: 'POST', json: { name: 'temp', scopes: ['keys:read'] } });
    const { id, key: temp } = await created.json();
    (await connectSocket(h.url, temp)).close();
    expect((await h.api(`/api/v1/keys/${id}`, { key: admin, method: 'DELETE' })).status).to.equal(204);
    expect((await refusedWith(h.url, temp)).data?.code).to.equal('HUB_ERR_AUTH_INVALID');
  });

  it('disconnects live sockets of an API key once it is revoked; other keys stay connected', async function () {
    const { key: admin, tenantId: adminTenant } = await h.tenant('rt-handshake-admin', ['keys:write', 'keys:read', 'runs:read']);
    const { id, key: temp } = await (await h.api('/api/v1/keys', { key: admin, method: 'POST', json: { name: 'live', scopes: ['runs:read'] } })).json();
    const doomed = await Promise.all([connectSocket(h.url, temp), connectSocket(h.url, temp)]);
    const kept = await connectSocket(h.url, admin);
    try {
      const ended = doomed.map((s) => new Promise<string>((resolve) => s.socket.once('disconnect', resolve)));
      expect((await h.api(`/api/v1/keys/${id}`, { key: admin, method: 'DELETE' })).status).to.equal(204);
      // API_KEY_CACHE_MS is 0 here, so the sweep runs every second.
      expect(await Promise.all(ended)).to.deep.equal(['io server disconnect', 'io server disconnect']);
      for (const s of doomed) expect(s.errors.map((e) => e.message)).to.include('The API key has been revoked');
      expect((await kept.join(`tenant:${adminTenant}`)).ok).to.equal(true);
    } finally {
      for (const s of [...doomed, kept]) s.close();
    }
  });

  it('accepts a valid API key and a valid JWT', async function () {
    const a = await connectSocket(h.url, key);
    expect(a.socket.connected).to.equal(true);
    a.close();
    const token = jwt.sign({ tenant: tenantId, scopes: ['runs:read'] }, SECRET, { algorithm: 'HS256', subject: 'u1', expiresIn: 60 });
    const b = await connectSocket(h.url, token);
    expect(b.socket.connected).to.equal(true);
    b.close();
  });

  it('limits handshakes per client address', async function () {
    const otherDb = await createDatabase('sqlite');
    const limited = await startTestHub(otherDb, { RATE_LIMIT_PER_IP: '3' });
    try {
      const { key: k } = await limited.tenant('rt-handshake-limit', ['runs:read']);
      for (let i = 0; i < 3; i++) (await connectSocket(limited.url, k)).close();
      const err = await refusedWith(limited.url, k);
      expect(err.data?.code).to.equal('HUB_ERR_RATE_LIMITED');
      expect((err.data as unknown as { retryAfterSeconds: number }).retryAfterSeconds).to.be.a('number');
    } finally {
      await limited.stop();
      await otherDb.cleanup();
    }
  });

  it('disconnects a JWT socket when its token expires', async function () {
    const token = jwt.sign({ tenant: tenantId, scopes: ['runs:read'] }, SECRET, { algorithm: 'HS256', subject: 'u1', expiresIn: 1 });
    const s = await connectSocket(h.url, token);
    const reason = await new Promise<string>((resolve) => s.socket.once('disconnect', resolve));
    expect(reason).to.equal('io server disconnect');
    expect(s.errors.map((e) => e.message)).to.include('The token has expired');
  });
});
