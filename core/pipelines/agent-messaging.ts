/**
 * Agent-to-agent messaging for the orchestrator (the AgentMessaging seam).
 *
 * `request` puts a job on the agent-requests queue and waits for the reply or
 * `timeoutMs`, whichever comes first: with bee-queue any worker process may
 * serve it and the reply returns over Redis pub/sub; in-process it runs here.
 * `send` and `emit` are recorded with the run. Every request, reply, timeout
 * and message is stored as an `agent.message` run event.
 */
import { randomUUID } from 'node:crypto';
import { AgentTimeoutError, PluginError } from '../sdk/errors.js';
import type { AgentEvent, AgentTask, RequestOptions } from '../sdk/types.js';
import type { StageError } from '../db/repos/run-stages-repo.js';
import { HubError } from '../errors.js';
import type { JobQueue } from '../queue/types.js';
import { QueueRequestTimeout } from '../queue/types.js';
import type { AgentCatalog, AgentMessaging } from './agent-catalog.js';
import type { RunEventLog } from './run-events.js';
import { toStageError } from './stage-errors.js';

/** Nested requests (A asks B asks C ...) stop here: a loop between agents would never end otherwise. */
export const maxRequestDepth = 8;
export const maxRequestTimeoutMs = 15 * 60_000;

export interface AgentRequestJob {
  tenantId: string;
  agentId: string;
  task: { capability: string; input: unknown; siteId?: string };
  from: string;
  runId?: string;
  stage?: string;
  siteId?: string | null;
  depth: number;
  /** Epoch ms after which nobody waits for the reply: a late job is dropped unrun. */
  expiresAt: number;
}

export type AgentReply = { ok: true; value: unknown } | { ok: false; error: StageError };

export interface MessagingOrigin {
  tenantId: string;
  /** The agent whose context this messaging belongs to. */
  agentId: string;
  runId?: string;
  stage?: string;
  siteId?: string | null;
  depth: number;
}

/** A JSON preview for the stored message: small payloads verbatim, large ones by size only. */
function preview(value: unknown): Record<string, unknown> {
  const text = JSON.stringify(value ?? null);
  return text.length <= 4096 ? { payload: value ?? null } : { payloadBytes: text.length };
}

export function createMessaging(queue: JobQueue<AgentRequestJob, AgentReply>, origin: MessagingOrigin, log?: RunEventLog): AgentMessaging {
  const note = (data: Record<string, unknown>, agentId = origin.agentId) => log?.add('agent.message', { from: origin.agentId, ...(origin.stage ? { stage: origin.stage } : {}), ...data }, agentId);
  return {
    async request(agentId: string, task: Omit<AgentTask, 'runId' | 'stage' | 'attempt' | 'idempotencyKey'>, options: RequestOptions): Promise<unknown> {
      const timeoutMs = options?.timeoutMs;
      if (typeof agentId !== 'string' || !agentId || typeof task?.capability !== 'string' || !Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > maxRequestTimeoutMs) {
        throw new HubError('HUB_ERR_AGENT_REQUEST_INVALID', { message: `request needs an agent id, a task with a capability, and an integer timeoutMs between 1 and ${maxRequestTimeoutMs}` });
      }
      if (origin.depth + 1 > maxRequestDepth) {
        throw new HubError('HUB_ERR_AGENT_REQUEST_INVALID', { message: `agent requests nest deeper than ${maxRequestDepth} levels (a loop between agents?)` });
      }
      const requestId = randomUUID();
      note({ kind: 'request', requestId, to: agentId, capability: task.capability, ...preview(task.input) });
      const job: AgentRequestJob = {
        tenantId: origin.tenantId,
        agentId,
        task: { capability: task.capability, input: task.input, ...(task.siteId ? { siteId: task.siteId } : {}) },
        from: origin.agentId,
        runId: origin.runId,
        stage: origin.stage,
        siteId: origin.siteId,
        depth: origin.depth + 1,
        expiresAt: Date.now() + timeoutMs,
      };
      let reply: AgentReply;
      try {
        reply = await queue.request(job, { timeoutMs });
      } catch (err) {
        if (err instanceof QueueRequestTimeout) {
          note({ kind: 'timeout', requestId, to: agentId, timeoutMs });
          throw new AgentTimeoutError(agentId, timeoutMs);
        }
        throw err;
      }
      if (!reply.ok) {
        note({ kind: 'error', requestId, to: agentId, error: reply.error });
        throw new PluginError(reply.error.code, `${agentId}: ${reply.error.message}`, { retryable: reply.error.retryable });
      }
      note({ kind: 'reply', requestId, to: agentId, ...preview(reply.value) });
      return reply.value;
    },
    async send(agentId: string, message: AgentEvent): Promise<void> {
      if (typeof agentId !== 'string' || !agentId || typeof message?.type !== 'string') {
        throw new HubError('HUB_ERR_AGENT_REQUEST_INVALID', { message: 'send needs an agent id and a message with a type' });
      }
      note({ kind: 'send', to: agentId, type: message.type, ...(message.message ? { message: message.message } : {}), ...preview(message.data) }, agentId);
    },
    emit(event: AgentEvent): void {
      if (typeof event?.type !== 'string') return;
      note({ kind: 'emit', type: event.type, ...(event.message ? { message: event.message } : {}), ...preview(event.data) });
    },
  };
}

/** The handler a worker runs for agent-requests jobs. Never throws: the reply carries the error. */
export function agentRequestHandler(
  catalog: AgentCatalog,
  queue: JobQueue<AgentRequestJob, AgentReply>,
  logFor: (job: AgentRequestJob) => RunEventLog | undefined,
): (job: { id: string; data: AgentRequestJob }) => Promise<AgentReply> {
  return async ({ data }) => {
    if (Date.now() > data.expiresAt) return { ok: false, error: { code: 'HUB_ERR_AGENT_TIMEOUT', message: 'the requester stopped waiting', retryable: true } };
    const log = logFor(data);
    // The agent's ctx.signal: aborted when the requester stops waiting.
    const requesterGone = new AbortController();
    const timer = setTimeout(() => requesterGone.abort(new HubError('HUB_ERR_AGENT_TIMEOUT', { message: 'the requester stopped waiting' })), Math.max(0, data.expiresAt - Date.now()));
    try {
      const messaging = createMessaging(queue, { tenantId: data.tenantId, agentId: data.agentId, runId: data.runId, stage: data.stage, siteId: data.siteId, depth: data.depth }, log);
      const task: AgentTask = { capability: data.task.capability, input: data.task.input, runId: data.runId, stage: data.stage, ...(data.siteId ?? data.task.siteId ? { siteId: (data.siteId ?? data.task.siteId)! } : {}) };
      const value = await catalog.runAgentTask({ tenantId: data.tenantId, agentId: data.agentId, task, messaging, signal: requesterGone.signal });
      return { ok: true, value: value === undefined ? null : value };
    } catch (err) {
      return { ok: false, error: toStageError(err) };
    } finally {
      clearTimeout(timer);
      await log?.flush();
    }
  };
}
