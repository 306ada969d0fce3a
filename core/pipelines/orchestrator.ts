/**
 * Executes a claimed run's DAG: every stage whose `needs` are done starts at
 * once (independent stages run in parallel); completed stages from an earlier
 * attempt of the run (crash, resume) are taken as they are and never re-run.
 *
 * A stage that fails with onError "fail" fails the run: no new stages start,
 * stages already running finish and keep their results, the rest are skipped.
 * With onError "continue" the failure is recorded and dependants run (their
 * references to the failed stage's output read null).
 *
 * Run output: the output of the stage nothing depends on, or an object keyed
 * by stage name when several stages are final.
 */
import type { RunRef } from '../db/repos/run-leases-repo.js';
import { RunStagesRepo, type StageError, type StageRecord } from '../db/repos/run-stages-repo.js';
import type { EventDraft, Transition } from '../db/repos/run-transitions-repo.js';
import type { RunError } from '../db/repos/runs-repo.js';
import type { PipelineDefinition, StageDefinition } from './definition.js';
import { runStage, stageEnd, stageStart, type RunExecution, type StageExecution, type StageOutcome } from './stage-runner.js';

function runOutput(stages: StageDefinition[], outputs: Record<string, unknown>): unknown {
  const needed = new Set(stages.flatMap((s) => s.needs));
  const sinks = stages.filter((s) => !needed.has(s.name));
  if (sinks.length === 1) return outputs[sinks[0].name] ?? null;
  return Object.fromEntries(sinks.map((s) => [s.name, outputs[s.name] ?? null]));
}

function merge(a: Transition, b: Transition): Transition {
  return { stages: [...(a.stages ?? []), ...(b.stages ?? [])], events: [...a.events, ...b.events], finish: a.finish ?? b.finish };
}

/**
 * A fresh run's first transition, written together with its claim: run.started
 * and the first attempt of every stage that needs nothing, i.e. exactly what
 * executeRun's first takeReady() picks when every stage is pending.
 */
export function freshStart(definition: PipelineDefinition, started: EventDraft): Transition {
  return definition.stages.filter((s) => s.needs.length === 0).reduce((t, s) => merge(t, stageStart(s, 1)), { events: [started] } as Transition);
}

/**
 * Runs the DAG to the end; returns throttled runs that may start now, or
 * undefined if the run was taken from us (lease lost, cancelled, storage error).
 *
 * Writes: every decision (a stage's result, the stages it unblocks, the run's
 * end) is made synchronously on the in-memory state and written as ONE fenced
 * transition, so a 3-stage chain costs 4 statements: run.started with the
 * first stages' start, then one per stage result (carrying the next stages'
 * start or the run's end). Writes of one run are chained in decision order,
 * so the stored seq order is causal (a stage starts after what it needs
 * completed) and equals the order published on the bus. The first failed
 * write stops the run here; what it did not write is redone by the next owner.
 */
export async function executeRun(x: RunExecution, start: { started: EventDraft } | { freshStartStored: true }): Promise<RunRef[] | undefined> {
  // A fresh start has no stage history to read: every stage is pending.
  const fresh = 'freshStartStored' in start;
  const records = new Map<string, StageRecord>(fresh ? [] : (await new RunStagesRepo(x.db).listForRun(x.run.id)).map((s) => [s.name, s]));
  const byName = new Map(x.definition.stages.map((s) => [s.name, s]));
  const status = new Map<string, StageRecord['status']>();
  const outputs: Record<string, unknown> = {};
  for (const stage of x.definition.stages) {
    const rec = records.get(stage.name);
    // 'running' here means the previous owner died mid-stage: it runs again.
    const s = !rec || rec.status === 'running' ? 'pending' : rec.status;
    status.set(stage.name, s);
    if (s === 'completed') outputs[stage.name] = rec!.output;
    if (s === 'failed') outputs[stage.name] = null;
  }

  let failure: RunError | undefined;
  // A failed stage from before (resume resets them, so this is a run recovered after its failure was stored).
  for (const stage of x.definition.stages) {
    if (status.get(stage.name) === 'failed' && stage.onError === 'fail' && !failure) {
      const e = records.get(stage.name)?.error;
      failure = { code: e?.code ?? 'HUB_ERR_AGENT_FAILED', message: `stage ${stage.name} failed: ${e?.message ?? 'unknown error'}`, stage: stage.name };
    }
  }

  // Our own abort (a failed write) joins the worker's (cancel seen by the heartbeat, lease lost, shutdown).
  const stop = new AbortController();
  const onAbort = () => stop.abort(x.signal.reason);
  x.signal.addEventListener('abort', onAbort, { once: true });
  if (x.signal.aborted) stop.abort(x.signal.reason);
  let lost = false;
  let finished: { handoff: RunRef[] } | undefined;
  let chain: Promise<unknown> = Promise.resolve();

  const write = (t: Transition): Promise<boolean> => {
    const done = chain.then(async () => {
      if (lost) return false;
      try {
        if (t.finish) {
          const result = await x.leases.finish(x.run, x.owner, { ...t, finish: t.finish }, x.limited);
          if (!result) return lose();
          for (const e of result.events) x.recorder.publish(e, x.run.siteId);
          finished = { handoff: result.handoff };
          return true;
        }
        const events = await x.leases.transition(x.run, x.owner, t);
        if (!events) return lose();
        for (const e of events) x.recorder.publish(e, x.run.siteId);
        return true;
      } catch (err) {
        // Storage failed under us: give the run up; the lease expires and another worker continues it.
        x.logger.error({ err, runId: x.run.id }, 'run bookkeeping failed');
        return lose();
      }
    });
    chain = done;
    return done;
  };
  function lose(): false {
    lost = true;
    stop.abort(new Error('this worker no longer owns the run'));
    return false;
  }
  const sx: StageExecution = { ...x, signal: stop.signal, write };

  const inflight = new Map<string, Promise<void>>();
  const satisfied = (dep: string) => status.get(dep) === 'completed' || (status.get(dep) === 'failed' && byName.get(dep)!.onError === 'continue');

  /** Stages that may start now; marks them running in memory (their start is in the transition the caller writes). */
  const takeReady = (): { stages: StageDefinition[]; t: Transition } => {
    const ready = stop.signal.aborted || failure ? [] : x.definition.stages.filter((s) => status.get(s.name) === 'pending' && s.needs.every(satisfied));
    let t: Transition = { events: [] };
    for (const s of ready) {
      status.set(s.name, 'running');
      t = merge(t, stageStart(s, (records.get(s.name)?.attempts ?? 0) + 1));
    }
    return { stages: ready, t };
  };

  /** The run's end, when nothing is running or can start any more. */
  const endIfDone = (): Transition | undefined => {
    if (stop.signal.aborted || [...status.values()].includes('running')) return undefined;
    if (!failure && x.definition.stages.some((s) => status.get(s.name) !== 'completed' && status.get(s.name) !== 'failed')) return undefined;
    const e: EventDraft = failure
      ? { name: 'run.failed', data: { error: failure } }
      : { name: 'run.completed', data: { durationMs: Date.now() - Date.parse(x.run.startedAt ?? x.run.createdAt) } };
    return {
      events: [e],
      finish: failure ? { status: 'failed', error: failure, skipPending: true } : { status: 'completed', output: runOutput(x.definition.stages, outputs) },
    };
  };

  const launch = (stages: StageDefinition[]) => {
    for (const stage of stages) {
      const prior = records.get(stage.name) ?? ({ attempts: 0 } as StageRecord);
      const task = runStage(sx, stage, prior, { ...outputs })
        .catch((err): StageOutcome => {
          x.logger.error({ err, runId: x.run.id, stage: stage.name }, 'stage failed unexpectedly');
          lose();
          return { status: 'aborted' };
        })
        .then((outcome) => settle(stage, outcome))
        .finally(() => inflight.delete(stage.name));
      inflight.set(stage.name, task);
    }
  };

  /** A stage's result, the stages it unblocks and possibly the run's end: decided now, written as one transition. */
  const settle = async (stage: StageDefinition, outcome: StageOutcome): Promise<void> => {
    if (outcome.status === 'aborted') return;
    status.set(stage.name, outcome.status);
    outputs[stage.name] = outcome.status === 'completed' ? outcome.output : null;
    if (outcome.status === 'failed' && stage.onError === 'fail' && !failure) {
      const e: StageError = outcome.error;
      failure = { code: e.code, message: `stage ${stage.name} failed: ${e.message}`, stage: stage.name };
    }
    const next = takeReady();
    let t = merge(stageEnd(stage, outcome), next.t);
    const end = next.stages.length === 0 ? endIfDone() : undefined;
    if (end) t = merge(t, end);
    // The unblocked stages count as running in memory from now on (nothing decides twice); their agents run once the start is stored.
    if (await write(t)) launch(next.stages);
  };

  try {
    const first = takeReady();
    if (!fresh) {
      // run.started together with the first stages' start (or the run's end, if nothing is left to run).
      let t = merge({ events: [start.started] }, first.t);
      const end = first.stages.length === 0 ? endIfDone() : undefined;
      if (end) t = merge(t, end);
      if (!(await write(t))) return undefined;
    }
    // Fresh: the claim stored run.started with these same first stages (see freshStart), so they just run.
    launch(first.stages);
    while (inflight.size > 0) await Promise.race(inflight.values());
    await chain;
    if (finished) return finished.handoff;
    if (lost || stop.signal.aborted) return undefined;
    // Not reached in the normal flow (the last result carries the end); kept so that a run can never stay running here.
    const tail = endIfDone();
    if (!tail || !(await write(tail))) return undefined;
    return finished ? (finished as { handoff: RunRef[] }).handoff : undefined;
  } finally {
    x.signal.removeEventListener('abort', onAbort);
  }
}
