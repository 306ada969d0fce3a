/**
 * The baseline: a bare Koa app in its own process answering the same JSON the
 * hub's GET /api/v1/me returns, with no middleware. The hub's figures divided
 * by these are its overhead on this machine, measured in the same run.
 * Run by run.ts through fork(); reports its port over IPC.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';

const body = { tenantId: '00000000-0000-4000-8000-000000000000', subject: 'key:00000000-0000-4000-8000-000000000000', kind: 'api_key', scopes: ['*'] };

const app = new Koa();
app.use((ctx) => {
  ctx.body = body;
});
const server = http.createServer(app.callback());
server.keepAliveTimeout = 65_000; // the hub's setting, so idle connections behave alike
server.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'listening', port: (server.address() as AddressInfo).port });
});
// Never outlive the bench: exit when it disconnects or after a hard bound.
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(0), 15 * 60_000).unref();
