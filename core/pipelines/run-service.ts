/**
 * Starting, reading, cancelling and resuming runs: the one place HTTP routes,
 * webhook trigger rules and the CLI go through. A run is stored (with its
 * stages and its run.queued event) before it is enqueued; if enqueueing fails
 * the run is still accepted and the workers' sweep enqueues it later.
 */
import { randomUUID } from 'node:crypto';
import type { ValidateFunction } from 'ajv';
import { LRUCache } from 'lru-cache';
import type { Runtime } from '../runtime.js';
import { isUniqueViolation } from '../db/knex.js';
import { PipelinesRepo, type PipelineRecord } from '../db/repos/pipelines-repo.js';
import { RunBatchesRepo } from '../db/repos/run-batches-repo.js';
import { listRunMessages, RunEventsRepo } from '../db/repos/run-events-repo.js';
import { RunLeasesRepo, type RunRef } from '../db/repos/run-leases-repo.js';
import { RunStagesRepo } from '../db/repos/run-stages-repo.js';
import { finishedStatuses, RunsRepo, type RunFilters, type RunRecord, type RunStatus } from '../db/repos/runs-repo.js';
import { HubError } from '../errors.js';
import { fieldProblems, type FieldProblem } from '../http/validation.js';
import { compileInputSchema } from './definition-validator.js';
import { enqueueRuns } from './run-jobs.js';
import { RunEventRecorder } from './run-events.js';
import { runView, type RunView } from './run-views.js';

export interface StartRunOptions {
  tenantId: string;
  pipelineId: string;
  input: unknown;
  /** Same key (per tenant) → the same run, never a second one. */
  idempotencyKey?: string;
  /** Site key for per-site concurrency limits and the `site:<id>` room. */
  siteId?: string;
}

const inputValidators = new LRUCache<string, ValidateFunction>({ max: 500 });

function inputProblems(pipeline: PipelineRecord, input: unknown, root: string): FieldProblem[] {
  const schema = pipeline.definition.input;
  if (!schema) return [];
  const key = `${pipeline.id}:${pipeline.version}`;
  let validate = inputValidators.get(key);
  if (!validate) inputValidators.set(key, (validate = compileInputSchema(schema)));
  return validate(input) ? [] : fieldProblems(validate.errors, root);
}

function invalidInput(problems: FieldProblem[]): HubError {
  return new HubError('HUB_ERR_PIPELINE_INPUT_INVALID', { message: `Invalid run input: ${problems.slice(0, 20).map((p) => `${p.path} ${p.message}`).join('; ')}`, details: problems });
}

async function requirePipeline(runtime: Runtime, tenantId: string, pipelineId: string): Promise<PipelineRecord> {
  const pipeline = await new PipelinesRepo(runtime.db).get(tenantId, pipelineId);
  if (!pipeline) throw new HubError('HUB_ERR_NOT_FOUND', { message: 'No such pipeline' });
  return pipeline;
}

/**
 * Current pipelines as last read by this process, for the start hot path.
 * Never trusted on its own: a run is stored only if its pipeline still exists
 * at the cached version (RunsRepo.create checks it in the same statement);
 * otherwise the entry is dropped and the pipeline read again.
 */
const pipelineCaches = new WeakMap<Runtime['db'], LRUCache<string, Promise<PipelineRecord>>>();

function cachedPipeline(runtime: Runtime, tenantId: string, pipelineId: string, fresh: boolean): Promise<PipelineRecord> {
  // Keyed by database too: tests and tools may run several runtimes in one process.
  const key = `${tenantId}:${pipelineId}`;
  const cache = pipelineCaches.get(runtime.db) ?? pipelineCaches.set(runtime.db, new LRUCache({ max: 1000, ttl: 5 * 60_000 })).get(runtime.db)!;
  let pipeline = fresh ? undefined : cache.get(key);
  if (!pipeline) {
    // Concurrent starts share one read; a failed read (404) is not cached.
    pipeline = requirePipeline(runtime, tenantId, pipelineId);
    cache.set(key, pipeline);
    const read = pipeline;
    read.catch(() => {
      if (cache.get(key) === read) cache.delete(key);
    });
  }
  return pipeline;
}

async function viewOf(runtime: Runtime, run: RunRecord, withMessages = false): Promise<RunView> {
  const [stages, messages] = await Promise.all([
    new RunStagesRepo(runtime.db).list(run.id),
    withMessages ? listRunMessages(runtime.db, run.tenantId, run.id) : Promise.resolve(undefined),
  ]);
  return runView(run, stages, messages);
}

async function existingForKey(runtime: Runtime, options: StartRunOptions): Promise<{ run: RunView; created: false } | undefined> {
  const existing = await new RunsRepo(runtime.db).getByIdempotencyKey(options.tenantId, options.idempotencyKey!);
  if (!existing) return undefined;
  if (existing.pipelineId !== options.pipelineId) {
    throw new HubError('HUB_ERR_IDEMPOTENCY_MISMATCH', { message: 'This Idempotency-Key started a run of another pipeline', details: { runId: existing.id } });
  }
  return { run: await viewOf(runtime, existing), created: false };
}

/** Stores runs with their stages and run.queued events in one transaction, then enqueues them. */
async function storeAndEnqueue(runtime: Runtime, pipeline: PipelineRecord, runs: Array<{ id: string; tenantId: string; input: unknown; siteId?: string; batchId?: string }>, batch?: { id: string; total: number; idempotencyKey?: string }): Promise<void> {
  const now = new Date();
  const recorder = new RunEventRecorder(runtime.db, runtime.bus);
  const stored = await runtime.db.transaction(async (trx) => {
    // First, so a repeated Idempotency-Key fails before any run is written.
    if (batch) await new RunBatchesRepo(trx).insert({ id: batch.id, tenantId: runs[0].tenantId, pipelineId: pipeline.id, total: batch.total, idempotencyKey: batch.idempotencyKey }, now);
    await new RunsRepo(trx).insert(runs.map((r) => ({ ...r, pipelineId: pipeline.id, pipelineVersion: pipeline.version })), now, 1);
    await new RunStagesRepo(trx).insert(runs.map((r) => r.id), pipeline.definition.stages.map((s) => ({ name: s.name, agentId: s.agent })));
    return new RunEventsRepo(trx).appendFirst(
      runs.map((r) => ({ tenantId: r.tenantId, runId: r.id, name: 'run.queued' as const, data: { pipelineId: pipeline.id, pipelineVersion: pipeline.version, ...(r.batchId ? { batchId: r.batchId } : {}) } })),
      now,
    );
  });
  runs.forEach((r, i) => recorder.publish(stored[i], r.siteId ?? null));
  await enqueueRuns(runtime.queue, runs.map((r) => ({ id: r.id, tenantId: r.tenantId, generation: 0, pipelineId: pipeline.id, pipelineVersion: pipeline.version, siteId: r.siteId ?? null })), runtime.logger);
}

/** Starts one run of a pipeline's current version. Returns `created: false` for a repeated Idempotency-Key. */
export async function startRun(runtime: Runtime, options: StartRunOptions): Promise<{ run: RunView; created: boolean }> {
  if (options.idempotencyKey) {
    const existing = await existingForKey(runtime, options);
    if (existing) return existing;
  }
  const id = randomUUID();
  const now = new Date();
  let pipeline: PipelineRecord;
  for (let attempt = 0; ; attempt++) {
    // A cached definition first; re-read when the store says it changed (new version, deleted).
    pipeline = await cachedPipeline(runtime, options.tenantId, options.pipelineId, attempt > 0);
    const problems = inputProblems(pipeline, options.input, '/body/input');
    if (problems.length > 0) throw invalidInput(problems);
    let stored: boolean;
    try {
      stored = await new RunsRepo(runtime.db).create({
        run: { id, tenantId: options.tenantId, pipelineId: pipeline.id, pipelineVersion: pipeline.version, siteId: options.siteId ?? null, idempotencyKey: options.idempotencyKey ?? null, input: options.input ?? null },
        stages: pipeline.definition.stages.map((s) => ({ name: s.name, agentId: s.agent })),
        firstEvent: { name: 'run.queued', data: { pipelineId: pipeline.id, pipelineVersion: pipeline.version } },
      }, now);
    } catch (err) {
      // Two requests with the same key raced: the other one stored its run first.
      if (options.idempotencyKey && isUniqueViolation(err)) {
        const existing = await existingForKey(runtime, options);
        if (existing) return existing;
      }
      throw err;
    }
    if (stored) break;
    if (attempt >= 2) throw new HubError('HUB_ERR_NOT_FOUND', { message: 'No such pipeline' });
  }
  const storedAt = now.toISOString();
  new RunEventRecorder(runtime.db, runtime.bus).publish(
    { seq: 1, tenantId: options.tenantId, runId: id, name: 'run.queued', agentId: null, data: { pipelineId: pipeline.id, pipelineVersion: pipeline.version }, createdAt: storedAt },
    options.siteId ?? null,
  );
  await enqueueRuns(runtime.queue, [{ id, tenantId: options.tenantId, generation: 0, pipelineId: pipeline.id, pipelineVersion: pipeline.version, siteId: options.siteId ?? null }], runtime.logger);
  // Built from what was just stored (saves two reads on the hot path); the worker may be ahead of it already.
  const run: RunRecord = {
    id, tenantId: options.tenantId, pipelineId: pipeline.id, pipelineVersion: pipeline.version, siteId: options.siteId ?? null, batchId: null,
    idempotencyKey: options.idempotencyKey ?? null, status: 'queued', throttled: false, generation: 0, input: options.input ?? null, output: null, error: null,
    leaseOwner: null, leaseExpiresAt: null, createdAt: storedAt, updatedAt: storedAt, startedAt: null, finishedAt: null,
  };
  const stages = pipeline.definition.stages.map((s, position) => ({ name: s.name, position, agentId: s.agent, status: 'pending' as const, attempts: 0, output: null, error: null, startedAt: null, finishedAt: null }));
  return { run: runView(run, stages), created: true };
}

export interface BatchView {
  id: string;
  pipelineId: string;
  total: number;
  counts: Record<RunStatus, number>;
  createdAt: string;
}

export interface StartBulkOptions {
  tenantId: string;
  pipelineId: string;
  items: Array<{ input?: unknown; siteId?: string }>;
  /** The same key returns the batch it started before (`created: false`) instead of starting every run again. */
  idempotencyKey?: string;
}

/**
 * Starts one run per item (e.g. one per site) under one batch id. All items are
 * validated first; nothing is stored if one is invalid. Returns `created: false`
 * for a repeated Idempotency-Key.
 */
export async function startBulk(runtime: Runtime, options: StartBulkOptions): Promise<{ batch: BatchView; created: boolean }> {
  if (options.idempotencyKey) {
    const existing = await existingBatchForKey(runtime, options);
    if (existing) return existing;
  }
  const pipeline = await requirePipeline(runtime, options.tenantId, options.pipelineId);
  const problems = options.items.flatMap((item, i) => inputProblems(pipeline, item.input, `/body/items/${i}/input`));
  if (problems.length > 0) throw invalidInput(problems);
  const batchId = randomUUID();
  const runs = options.items.map((item) => ({ id: randomUUID(), tenantId: options.tenantId, input: item.input ?? null, siteId: item.siteId, batchId }));
  try {
    await storeAndEnqueue(runtime, pipeline, runs, { id: batchId, total: runs.length, idempotencyKey: options.idempotencyKey });
  } catch (err) {
    // Two requests with the same key raced: the other one stored its batch first.
    if (options.idempotencyKey && isUniqueViolation(err)) {
      const existing = await existingBatchForKey(runtime, options);
      if (existing) return existing;
    }
    throw err;
  }
  return { batch: await getBatch(runtime, options.tenantId, batchId), created: true };
}

async function existingBatchForKey(runtime: Runtime, options: StartBulkOptions): Promise<{ batch: BatchView; created: false } | undefined> {
  const existing = await new RunBatchesRepo(runtime.db).getByIdempotencyKey(options.tenantId, options.idempotencyKey!);
  if (!existing) return undefined;
  if (existing.pipelineId !== options.pipelineId) {
    throw new HubError('HUB_ERR_IDEMPOTENCY_MISMATCH', { message: 'This Idempotency-Key started a batch of another pipeline', details: { batchId: existing.id } });
  }
  return { batch: await getBatch(runtime, options.tenantId, existing.id), created: false };
}

export async function getBatch(runtime: Runtime, tenantId: string, batchId: string): Promise<BatchView> {
  const batch = await new RunBatchesRepo(runtime.db).get(tenantId, batchId);
  if (!batch) throw new HubError('HUB_ERR_NOT_FOUND', { message: 'No such batch' });
  return { ...batch, counts: await new RunsRepo(runtime.db).countByStatus(tenantId, batchId) };
}

/** The run, or HUB_ERR_NOT_FOUND (unknown id or another tenant's run). */
export async function requireRun(runtime: Runtime, tenantId: string, runId: string): Promise<RunRecord> {
  const run = await new RunsRepo(runtime.db).get(tenantId, runId);
  if (!run) throw new HubError('HUB_ERR_NOT_FOUND', { message: 'No such run' });
  return run;
}

/**
 * A run with its stages and agent messages. With `waitMs`, waits (long poll)
 * until the run has finished or the time is up, whichever comes first; `signal`
 * ends the wait early (the client went away).
 */
export async function getRun(runtime: Runtime, tenantId: string, runId: string, options: { waitMs?: number; signal?: AbortSignal } = {}): Promise<RunView> {
  let run = await requireRun(runtime, tenantId, runId);
  const deadline = Date.now() + (options.waitMs ?? 0);
  while (!finishedStatuses.has(run.status) && Date.now() < deadline && !options.signal?.aborted) {
    // Woken early by this process's bus (embedded worker); otherwise polls, since the worker may be another process.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.min(250, Math.max(0, deadline - Date.now())));
      const unsubscribe = runtime.bus.subscribe((e) => {
        if (e.runId === runId && (e.name === 'run.completed' || e.name === 'run.failed' || e.name === 'run.cancelled')) done();
      });
      options.signal?.addEventListener('abort', done, { once: true });
      function done() {
        clearTimeout(timer);
        unsubscribe();
        options.signal?.removeEventListener('abort', done);
        resolve();
      }
    });
    run = await requireRun(runtime, tenantId, runId);
  }
  return viewOf(runtime, run, true);
}

export async function listRuns(runtime: Runtime, tenantId: string, filters: RunFilters): Promise<{ items: RunView[]; total: number }> {
  const page = await new RunsRepo(runtime.db).list(tenantId, filters);
  const stages = await new RunStagesRepo(runtime.db).listMany(page.items.map((r) => r.id));
  return { items: page.items.map((r) => runView(r, stages.get(r.id) ?? [])), total: page.total };
}

async function handOff(runtime: Runtime, refs: RunRef[]): Promise<void> {
  await enqueueRuns(runtime.queue, refs, runtime.logger);
}

/** Cancels a queued or running run: no further stages start; open stages are marked cancelled. */
export async function cancelRun(runtime: Runtime, tenantId: string, runId: string): Promise<RunView> {
  const run = await requireRun(runtime, tenantId, runId);
  const recorder = new RunEventRecorder(runtime.db, runtime.bus);
  let event;
  const result = await new RunLeasesRepo(runtime.db).cancel(run, async (trx) => {
    await new RunStagesRepo(trx).setStatus(run.id, ['pending', 'running'], 'cancelled');
    event = await recorder.append(trx, { tenantId, runId, name: 'run.cancelled', data: { previousStatus: run.status } });
  });
  if (!result) throw new HubError('HUB_ERR_RUN_FINISHED', { message: `The run has finished already (${run.status})` });
  recorder.publish(event!, run.siteId);
  await handOff(runtime, result.handoff);
  return viewOf(runtime, (await requireRun(runtime, tenantId, runId)), true);
}

/** Re-runs a failed or cancelled run from its unfinished stages; completed stages keep their outputs and do not run again. */
export async function resumeRun(runtime: Runtime, tenantId: string, runId: string): Promise<RunView> {
  const run = await requireRun(runtime, tenantId, runId);
  const recorder = new RunEventRecorder(runtime.db, runtime.bus);
  let event;
  const ref = await new RunLeasesRepo(runtime.db).resume(run, async (trx) => {
    const reset = await new RunStagesRepo(trx).resetUnfinished(run.id);
    event = await recorder.append(trx, { tenantId, runId, name: 'run.queued', data: { pipelineId: run.pipelineId, pipelineVersion: run.pipelineVersion, resumed: true, stagesReset: reset } });
  });
  if (!ref) throw new HubError('HUB_ERR_RUN_NOT_RESUMABLE', { message: `Only a failed or cancelled run can be resumed; this one is ${run.status}` });
  recorder.publish(event!, run.siteId);
  await enqueueRuns(runtime.queue, [ref], runtime.logger);
  return viewOf(runtime, (await requireRun(runtime, tenantId, runId)), true);
}
