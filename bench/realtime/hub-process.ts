/**
 * Benchmark hub: a real hub (createHub, Socket.IO with the Redis adapter when
 * REDIS_URL is set) in its own process, driven over IPC by run.ts. It
 * creates a tenant, an API key and two runs (rooms), publishes HubEvents on
 * its bus on request, and reports its socket count and memory.
 */
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../core/config.js';
import { createHub } from '../../core/hub.js';
import { TenantsRepo } from '../../core/db/repos/tenants-repo.js';
import { RunsRepo } from '../../core/db/repos/runs-repo.js';
import { createApiKey } from '../../core/auth/api-keys.js';
import type { HubEvent } from '../../core/events.js';
import { now } from './stats.js';

type Command =
  | { cmd: 'stats' }
  | { cmd: 'publish'; runId: string; phase: string; count: number; intervalMs: number; batch?: number }
  | { cmd: 'stop' };

const config = loadConfig(process.env);
const hub = createHub(config);
const port = await hub.start();
const db = hub.runtime.db;
const tenant = await new TenantsRepo(db).ensure('bench');
const { key } = await createApiKey(db, tenant.id, 'bench', ['runs:read']);
const runs = [randomUUID(), randomUUID()];
await new RunsRepo(db).insert(runs.map((id) => ({ id, tenantId: tenant.id, pipelineId: randomUUID(), pipelineVersion: 1, input: {} })));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tick = () => new Promise((r) => setImmediate(r));

async function publish(c: Extract<Command, { cmd: 'publish' }>): Promise<{ firstSentAt: number; lastSentAt: number; emitMs: number[] }> {
  const batch = c.batch ?? 1;
  const emitMs: number[] = [];
  let firstSentAt = 0;
  let lastSentAt = 0;
  for (let i = 0; i < c.count; i++) {
    const sentAt = now();
    firstSentAt ||= sentAt;
    lastSentAt = sentAt;
    const event: HubEvent = { name: 'agent.message', tenantId: tenant.id, runId: c.runId, seq: i + 1, at: new Date().toISOString(), data: { phase: c.phase, i, sentAt } };
    hub.runtime.bus.publish(event);
    // publish() is synchronous down to the socket writes: this is the hub's own fan-out cost.
    emitMs.push(now() - sentAt);
    if ((i + 1) % batch === 0) {
      if (c.intervalMs > 0) await sleep(c.intervalMs);
      else await tick();
    }
  }
  return { firstSentAt, lastSentAt, emitMs };
}

// The benchmark runner went away (crash, Ctrl-C): do not linger holding sockets.
process.on('disconnect', () => process.exit(0));

process.on('message', async (raw) => {
  const c = raw as Command;
  if (c.cmd === 'stats') {
    if (global.gc) global.gc();
    const mem = process.memoryUsage();
    process.send!({ cmd: 'stats', sockets: hub.realtime.io.engine.clientsCount, rss: mem.rss, heapUsed: mem.heapUsed });
  } else if (c.cmd === 'publish') {
    process.send!({ cmd: 'published', ...(await publish(c)) });
  } else if (c.cmd === 'stop') {
    await hub.stop();
    process.exit(0);
  }
});

process.send!({ cmd: 'ready', url: `http://127.0.0.1:${port}`, key, tenantId: tenant.id, roomRun: runs[0], singleRun: runs[1] });
