/**
 * Shared setup for realtime tests: runs owned by a tenant, and run events
 * stored then published exactly the way the pipeline runner does it
 * (append to run_events, then publish the HubEvent with its seq on the bus).
 */
import { randomUUID } from 'node:crypto';
import type { Runtime } from '../../core/runtime.js';
import { RunsRepo } from '../../core/db/repos/runs-repo.js';
import { RunEventsRepo } from '../../core/db/repos/run-events-repo.js';
import type { HubEvent, HubEventName } from '../../core/events.js';

export async function seedRun(runtime: Runtime, tenantId: string, siteId: string | null = null): Promise<string> {
  const id = randomUUID();
  await new RunsRepo(runtime.db).insert([{ id, tenantId, pipelineId: randomUUID(), pipelineVersion: 1, siteId, input: {} }]);
  return id;
}

export async function storeAndPublish(
  runtime: Runtime,
  tenantId: string,
  runId: string,
  name: HubEventName,
  data: Record<string, unknown> = {},
  agentId?: string,
): Promise<HubEvent> {
  const stored = await new RunEventsRepo(runtime.db).append({ tenantId, runId, name, agentId, data });
  const event: HubEvent = { name, tenantId, runId, seq: stored.seq, at: stored.createdAt, data, ...(agentId ? { agentId } : {}) };
  runtime.bus.publish(event);
  return event;
}

/** An event that is not stored with a run (webhooks, sales). */
export function publishLoose(runtime: Runtime, event: Omit<HubEvent, 'at'>): void {
  runtime.bus.publish({ ...event, at: new Date().toISOString() });
}
