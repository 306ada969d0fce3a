/**
 * Storage behind the realtime server: run and site ownership for join
 * checks, and a run's stored events (core/db/repos/run-events-repo.ts) for
 * replay. Every lookup is filtered by the caller's tenant.
 */
import type { Db } from '../db/knex.js';
import { SitesRepo } from '../db/repos/sites-repo.js';
import { RunsRepo } from '../db/repos/runs-repo.js';
import { RunEventsRepo, type StoredRunEvent } from '../db/repos/run-events-repo.js';
import type { HubEvent } from '../events.js';
import type { RoomOwnership } from './room-access.js';
import type { RunEventSource } from './socket-handlers.js';

export function storageOwnership(db: Db): RoomOwnership {
  const sites = new SitesRepo(db);
  const runs = new RunsRepo(db);
  return {
    runExists: async (tenantId, runId) => (await runs.get(tenantId, runId)) !== undefined,
    siteExists: async (tenantId, siteId) => (await sites.get(tenantId, siteId)) !== undefined,
  };
}

/** A stored run event in the shape it had when it was published live. */
function toHubEvent(stored: StoredRunEvent, siteId: string | null): HubEvent {
  const event: HubEvent = {
    name: stored.name,
    tenantId: stored.tenantId,
    runId: stored.runId,
    seq: stored.seq,
    at: stored.createdAt,
    data: stored.data,
  };
  if (stored.agentId) event.agentId = stored.agentId;
  if (siteId) event.siteId = siteId;
  return event;
}

export function storageRunEvents(db: Db): RunEventSource {
  const runs = new RunsRepo(db);
  const events = new RunEventsRepo(db);
  return {
    replayPages(tenantId, runId) {
      let run: ReturnType<RunsRepo['get']> | undefined; // read once, on the first page
      return async (afterSeq, limit) => {
        const found = await (run ??= runs.get(tenantId, runId));
        if (!found) return [];
        const stored = await events.listSince(tenantId, runId, afterSeq, limit);
        return stored.map((e) => toHubEvent(e, found.siteId));
      };
    },
  };
}
