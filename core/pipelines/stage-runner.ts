/**
 * Runs one stage: resolve its input, call the agent (bounded by timeoutMs)
 * and retry per its policy. The stage's writes go through `x.write`, which
 * the orchestrator fences by the run lease and serialises per run; the final
 * result is returned, not written, so that the orchestrator can store it in
 * the same statement as what it unblocks (next stages' start, the run's end).
 */
import type { Db } from '../db/knex.js';
import type { RunLeasesRepo } from '../db/repos/run-leases-repo.js';
import type { EventDraft, Transition } from '../db/repos/run-transitions-repo.js';
import type { RunRecord } from '../db/repos/runs-repo.js';
import type { StageError, StageRecord } from '../db/repos/run-stages-repo.js';
import { HubError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { JobQueue } from '../queue/types.js';
import type { AgentCatalog } from './agent-catalog.js';
import { createMessaging, type AgentReply, type AgentRequestJob } from './agent-messaging.js';
import type { PipelineDefinition, StageDefinition } from './definition.js';
import { resolveRefs } from './refs.js';
import { retryDelayMs } from './retry-policy.js';
import type { RunEventLog, RunEventRecorder } from './run-events.js';
import { toStageError } from './stage-errors.js';

/** Everything one run's execution needs; built by the worker for a claimed run. */
export interface RunExecution {
  run: RunRecord;
  definition: PipelineDefinition;
  owner: string;
  /** A concurrency limit applies to this run (finishing must hand its slot on). */
  limited: boolean;
  /** Aborted when the run is cancelled or the lease is lost. */
  signal: AbortSignal;
  catalog: AgentCatalog;
  requests: JobQueue<AgentRequestJob, AgentReply>;
  leases: RunLeasesRepo;
  recorder: RunEventRecorder;
  log: RunEventLog;
  logger: Logger;
  db: Db;
}

/** A stage's view of its run: the execution plus the run's fenced, ordered writer. */
export interface StageExecution extends RunExecution {
  /** Writes a transition under the lease and publishes its events; false when the run is no longer ours. */
  write(t: Transition): Promise<boolean>;
}

export type StageOutcome =
  | { status: 'completed'; output: unknown; attempt: number; durationMs: number }
  | { status: 'failed'; error: StageError; attempt: number; durationMs: number }
  | { status: 'aborted' };

export function stageEvent(stage: StageDefinition, name: 'stage.started' | 'stage.completed' | 'stage.failed', data: Record<string, unknown>): EventDraft {
  return { name, agentId: stage.agent, data: { stage: stage.name, ...data } };
}

/** The transition that starts an attempt of a stage. */
export function stageStart(stage: StageDefinition, attempt: number): Transition {
  return { stages: [{ name: stage.name, status: 'running', attempt }], events: [stageEvent(stage, 'stage.started', { attempt, capability: stage.task.capability })] };
}

/** The transition that stores a stage's final outcome. */
export function stageEnd(stage: StageDefinition, outcome: Exclude<StageOutcome, { status: 'aborted' }>): Transition {
  if (outcome.status === 'completed') {
    return { stages: [{ name: stage.name, status: 'completed', output: outcome.output }], events: [stageEvent(stage, 'stage.completed', { attempt: outcome.attempt, durationMs: outcome.durationMs })] };
  }
  const { error, attempt, durationMs } = outcome;
  return { stages: [{ name: stage.name, status: 'failed', error }], events: [stageEvent(stage, 'stage.failed', { attempt, error, willRetry: false, onError: stage.onError, durationMs })] };
}

const aborted = Symbol('aborted');

/**
 * Resolves with the value, rejects with a stage timeout, or resolves `aborted`
 * when the run stops. On a timeout or a stop it also aborts `agentStop` (the
 * agent's ctx.signal), so the agent can drop the work nobody waits for.
 */
function bounded<T>(work: Promise<T>, stage: StageDefinition, signal: AbortSignal, agentStop: AbortController): Promise<T | typeof aborted> {
  return new Promise((resolve, reject) => {
    const onAbort = () => done(() => {
      agentStop.abort(signal.reason);
      resolve(aborted);
    });
    const timer = setTimeout(() => done(() => {
      const timeout = new HubError('HUB_ERR_STAGE_TIMEOUT', { message: `stage ${stage.name} did not finish within ${stage.timeoutMs} ms` });
      agentStop.abort(timeout);
      reject(timeout);
    }), stage.timeoutMs);
    const done = (settle: () => void) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      settle();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then((v) => done(() => resolve(v)), (e) => done(() => reject(e)));
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs the stage until it succeeds, fails for good or the run stops. The
 * orchestrator has written the first attempt's start already (with what
 * unblocked the stage); each retry's start is written here.
 */
export async function runStage(x: StageExecution, stage: StageDefinition, prior: StageRecord, outputs: Record<string, unknown>): Promise<StageOutcome> {
  const input = resolveRefs(stage.task.input, { input: x.run.input, run: { id: x.run.id, siteId: x.run.siteId }, outputs });
  // A stage interrupted by a crash gets its attempt again even if that exceeds the policy.
  const maxAttempts = Math.max(stage.retry.attempts, prior.attempts + 1);
  let attempt = prior.attempts;
  let first = true;
  for (;;) {
    if (x.signal.aborted) return { status: 'aborted' };
    attempt += 1;
    const startedAt = Date.now();
    if (!first && !(await x.write(stageStart(stage, attempt)))) return { status: 'aborted' };
    first = false;

    let error: StageError;
    try {
      const messaging = createMessaging(x.requests, { tenantId: x.run.tenantId, agentId: stage.agent, runId: x.run.id, stage: stage.name, siteId: x.run.siteId, depth: 0 }, x.log);
      const agentStop = new AbortController();
      const call = x.catalog.runAgentTask({
        tenantId: x.run.tenantId,
        agentId: stage.agent,
        task: { capability: stage.task.capability, input, runId: x.run.id, stage: stage.name, attempt, idempotencyKey: `${x.run.id}:${stage.name}`, ...(x.run.siteId ? { siteId: x.run.siteId } : {}) },
        messaging,
        signal: agentStop.signal,
      });
      const output = await bounded(call, stage, x.signal, agentStop);
      await x.log.flush();
      if (output === aborted) return { status: 'aborted' };
      const value = output === undefined ? null : output;
      JSON.stringify(value); // outputs are stored as JSON: a circular or BigInt output fails the stage here
      return { status: 'completed', output: value, attempt, durationMs: Date.now() - startedAt };
    } catch (err) {
      await x.log.flush();
      error = toStageError(err);
    }

    if (attempt < maxAttempts && error.retryable !== false && !x.signal.aborted) {
      const retryInMs = retryDelayMs(stage.retry, attempt);
      const noted = await x.write({
        stages: [{ name: stage.name, status: 'retrying', error }],
        events: [stageEvent(stage, 'stage.failed', { attempt, error, willRetry: true, retryInMs, durationMs: Date.now() - startedAt })],
      });
      if (!noted) return { status: 'aborted' };
      await sleep(retryInMs, x.signal);
      continue;
    }
    return { status: 'failed', error, attempt, durationMs: Date.now() - startedAt };
  }
}
