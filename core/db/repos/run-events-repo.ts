/**
 * Every event of a run, stored with a per-run `seq` (1, 2, 3, ...) so that a
 * client that missed some (reconnecting dashboard, outbound webhook relay)
 * can replay them with listSince. seq is allocated from runs.next_seq by the
 * statement that also locks the run row (see run-transitions-repo.ts), so
 * concurrent writers (parallel stages, another worker serving an agent
 * request) never collide.
 */
import type { DbOrTx } from '../knex.js';
import { toIso } from '../knex.js';
import type { HubEventName } from '../../events.js';
import { RunTransitionsRepo } from './run-transitions-repo.js';

export interface RunEventInput {
  tenantId: string;
  runId: string;
  name: HubEventName;
  agentId?: string | null;
  data: Record<string, unknown>;
}

export interface StoredRunEvent {
  seq: number;
  tenantId: string;
  runId: string;
  name: HubEventName;
  agentId: string | null;
  data: Record<string, unknown>;
  createdAt: string;
}

function toEvent(r: Record<string, unknown>): StoredRunEvent {
  return {
    seq: Number(r.seq),
    tenantId: String(r.tenant_id),
    runId: String(r.run_id),
    name: r.name as HubEventName,
    agentId: r.agent_id === null ? null : String(r.agent_id),
    data: JSON.parse(String(r.data)) as Record<string, unknown>,
    createdAt: toIso(r.created_at)!,
  };
}

export class RunEventsRepo {
  constructor(private readonly db: DbOrTx) {}

  /**
   * Appends one event; pass a transaction to store it atomically with the
   * change it reports. Its seq comes from runs.next_seq (which also locks the
   * run row until the transaction ends), so concurrent writers of one run
   * (parallel stages, another worker serving an agent request) never collide.
   */
  async append(event: RunEventInput): Promise<StoredRunEvent> {
    const stored = await new RunTransitionsRepo(this.db).apply(
      { runId: event.runId, tenantId: event.tenantId, owner: null },
      { events: [{ name: event.name, agentId: event.agentId ?? null, data: event.data }] },
    );
    if (!stored) throw new Error(`run ${event.runId} does not exist`);
    return stored[0];
  }

  /**
   * The first event (seq 1) of runs created in the current transaction: nobody
   * else can see those runs yet, so no lock is needed (bulk starts insert thousands).
   */
  async appendFirst(events: RunEventInput[], now = new Date()): Promise<StoredRunEvent[]> {
    const rows = events.map((e) => ({ tenant_id: e.tenantId, run_id: e.runId, seq: 1, name: e.name, agent_id: e.agentId ?? null, data: JSON.stringify(e.data), created_at: now }));
    for (let i = 0; i < rows.length; i += 100) await this.db('run_events').insert(rows.slice(i, i + 100));
    return events.map((e) => ({ seq: 1, tenantId: e.tenantId, runId: e.runId, name: e.name, agentId: e.agentId ?? null, data: e.data, createdAt: now.toISOString() }));
  }

  /** Events of one run of one tenant with seq > afterSeq, oldest first. */
  async listSince(tenantId: string, runId: string, afterSeq: number, limit: number): Promise<StoredRunEvent[]> {
    const rows = await this.db('run_events')
      .where({ tenant_id: tenantId, run_id: runId })
      .andWhere('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit);
    return rows.map(toEvent);
  }
}

/** The agent messages of a run (request, reply, timeout, send, emit), oldest first. */
export async function listRunMessages(db: DbOrTx, tenantId: string, runId: string, limit = 500): Promise<StoredRunEvent[]> {
  const rows = await db('run_events').where({ tenant_id: tenantId, run_id: runId, name: 'agent.message' }).orderBy('seq').limit(limit);
  return rows.map(toEvent);
}
