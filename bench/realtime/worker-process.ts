/**
 * Benchmark worker: the worker's realtime path exactly (createRuntime +
 * startRealtimePublisher, no Socket.IO server). Publishes HubEvents on its
 * bus; they travel through Redis to the hub's adapter and on to clients.
 */
import { loadConfig } from '../../core/config.js';
import { createRuntime } from '../../core/runtime.js';
import { startRealtimePublisher } from '../../core/realtime/publisher.js';
import { now } from './stats.js';

const { tenantId, runId, phase, count, intervalMs } = JSON.parse(process.argv[2]) as { tenantId: string; runId: string; phase: string; count: number; intervalMs: number };
const runtime = createRuntime(loadConfig(process.env));
startRealtimePublisher(runtime);
await runtime.redis!.ping().catch(() => undefined);
await new Promise((r) => setTimeout(r, 500)); // let the publisher's own connection come up
for (let i = 0; i < count; i++) {
  runtime.bus.publish({ name: 'agent.message', tenantId, runId, seq: i + 1, at: new Date().toISOString(), data: { phase, i, sentAt: now() } });
  await new Promise((r) => setTimeout(r, intervalMs));
}
await new Promise((r) => setTimeout(r, 200));
await runtime.close();
process.exit(0);
