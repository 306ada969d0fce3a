/**
 * A pipeline worker: consumes run jobs and agent requests from the queue.
 * Runs in `switchyard worker` processes and, in embedded mode, inside the hub.
 *
 * - Ownership: a run is executed only after claiming its lease; one heartbeat
 *   per worker renews all its leases and notices runs that were cancelled or
 *   taken over (their execution is aborted).
 * - Recovery: the sweep re-enqueues stored runs that are queued but not in the
 *   queue (enqueue failed, throttled runs whose hand-off was missed, restart of
 *   an embedded hub) and running runs whose lease expired (dead worker).
 * - Shutdown: stop taking jobs, give active runs a grace period, then abort
 *   them and expire their leases so another worker continues at once.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Runtime } from '../runtime.js';
import { PipelinesRepo } from '../db/repos/pipelines-repo.js';
import { RunLeasesRepo, type Limits } from '../db/repos/run-leases-repo.js';
import type { EventDraft } from '../db/repos/run-transitions-repo.js';
import { RunsRepo, type RunRecord } from '../db/repos/runs-repo.js';
import { queueNames, type JobQueue } from '../queue/index.js';
import type { AgentCatalog } from './agent-catalog.js';
import { agentRequestHandler, type AgentReply, type AgentRequestJob } from './agent-messaging.js';
import type { PipelineDefinition } from './definition.js';
import { executeRun, freshStart } from './orchestrator.js';
import { enqueueRuns, type RunJobData } from './run-jobs.js';
import { RunEventLog, RunEventRecorder } from './run-events.js';

export interface WorkerOptions {
  concurrency: number;
  requestConcurrency: number;
  leaseMs: number;
  heartbeatMs: number;
  sweepIntervalMs: number;
  /** Default per-site limit when a definition sets none. */
  siteConcurrency: number;
  /** How long stop() lets active runs finish before aborting them. */
  graceMs: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export class PipelineWorker {
  readonly id = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly options: WorkerOptions;
  private readonly leases: RunLeasesRepo;
  private readonly runs: RunsRepo;
  private readonly pipelines: PipelinesRepo;
  private readonly recorder: RunEventRecorder;
  private readonly definitions = new LRUCache<string, PipelineDefinition>({ max: 1000 });
  private readonly active = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private runQueue?: JobQueue<RunJobData>;
  private requestQueue?: JobQueue<AgentRequestJob, AgentReply>;
  private timers: NodeJS.Timeout[] = [];
  private stopping?: Promise<void>;

  constructor(private readonly runtime: Runtime, private readonly catalog: AgentCatalog, options: Partial<WorkerOptions> = {}) {
    const c = runtime.config;
    this.options = {
      concurrency: c.workerConcurrency,
      requestConcurrency: c.agentRequestConcurrency,
      leaseMs: c.runLeaseMs,
      heartbeatMs: c.runHeartbeatMs,
      sweepIntervalMs: c.runSweepIntervalMs,
      siteConcurrency: c.pipelineSiteConcurrency,
      graceMs: c.shutdownTimeoutMs,
      ...options,
    };
    this.leases = new RunLeasesRepo(runtime.db);
    this.runs = new RunsRepo(runtime.db);
    this.pipelines = new PipelinesRepo(runtime.db);
    this.recorder = new RunEventRecorder(runtime.db, runtime.bus);
  }

  start(): void {
    const { queue, logger } = this.runtime;
    this.runQueue = queue.queue<RunJobData>(queueNames.runs);
    this.requestQueue = queue.queue<AgentRequestJob, AgentReply>(queueNames.agentRequests);
    // Nobody awaits a run job's result: the run's state is in the database.
    this.runQueue.process(this.options.concurrency, (job) => this.handleRunJob(job.data), { replies: false });
    this.requestQueue.process(
      this.options.requestConcurrency,
      agentRequestHandler(this.catalog, this.requestQueue, (job) => (job.runId ? new RunEventLog(this.recorder, { tenantId: job.tenantId, runId: job.runId, siteId: job.siteId ?? null }, logger) : undefined)),
    );
    const every = (ms: number, fn: () => Promise<void>) => {
      const timer = setInterval(() => void fn().catch((err) => logger.warn({ err: (err as Error).message }, 'worker housekeeping failed')), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.options.heartbeatMs, () => this.heartbeat());
    every(this.options.sweepIntervalMs, () => this.sweep());
    void this.sweep().catch(() => undefined);
    logger.info({ worker: this.id, driver: queue.kind, concurrency: this.options.concurrency, leaseMs: this.options.leaseMs }, 'worker started');
  }

  private definition(run: RunRecord): Promise<PipelineDefinition | undefined> {
    return this.definitionOf(run.tenantId, run.pipelineId, run.pipelineVersion);
  }

  /** Versions are immutable, so a cached one never goes stale. */
  private async definitionOf(tenantId: string, pipelineId: string, version: number): Promise<PipelineDefinition | undefined> {
    const key = `${tenantId}:${pipelineId}:${version}`;
    let def = this.definitions.get(key);
    if (!def) {
      def = await this.pipelines.getVersion(tenantId, pipelineId, version);
      if (def) this.definitions.set(key, def);
    }
    return def;
  }

  private limits(def: PipelineDefinition): Limits {
    return { perPipeline: def.concurrency.perPipeline, perSite: def.concurrency.perSite ?? this.options.siteConcurrency };
  }

  private isLimited(run: { siteId: string | null }, def: PipelineDefinition): boolean {
    const limits = this.limits(def);
    return limits.perPipeline > 0 || (run.siteId != null && limits.perSite > 0);
  }

  /** One run job: claim the run (or find it busy, throttled or finished) and execute it. */
  async handleRunJob(data: RunJobData): Promise<void> {
    if (this.stopping || this.active.has(data.runId)) return;
    if (data.generation === 0 && data.pipelineId && data.pipelineVersion !== undefined && data.siteId !== undefined) {
      // The job says which definition applies: with no limit to respect, a fresh run is claimed and started in one write.
      const def = await this.definitionOf(data.tenantId, data.pipelineId, data.pipelineVersion);
      if (def && !this.isLimited({ siteId: data.siteId }, def)) {
        const started = this.startedEvent(data.pipelineId, data.pipelineVersion, 0, false);
        const fresh = await this.leases.start({ id: data.runId, tenantId: data.tenantId }, this.id, this.options.leaseMs, freshStart(def, started));
        // Job data comes from the run row, so the definition matches; the run row is what executes.
        if (fresh) {
          for (const e of fresh.events) this.recorder.publish(e, fresh.run.siteId);
          return this.execute(fresh.run, def, { freshStartStored: true });
        }
        // Not fresh (a redelivery after a crash) or not claimable now: the general path below tells which.
      }
    }
    const run = await this.runs.get(data.tenantId, data.runId);
    if (!run || (run.status !== 'queued' && run.status !== 'running')) return;
    const def = await this.definition(run);
    if (!def) {
      this.runtime.logger.error({ runId: run.id, pipelineId: run.pipelineId, version: run.pipelineVersion }, 'run references a pipeline version that does not exist');
      return;
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      const claim = await this.leases.claim(run.id, this.id, this.options.leaseMs, () => this.limits(def), attempt === 0 ? run : undefined);
      if (claim.kind === 'claimed') return this.execute(claim.run, def, { started: this.startedEvent(claim.run.pipelineId, claim.run.pipelineVersion, claim.run.generation, !claim.firstStart) });
      if (claim.kind !== 'busy') return;
      // Redelivered while the previous owner's lease runs out (it died): wait once for expiry.
      const wait = claim.leaseExpiresAt - Date.now();
      if (attempt > 0 || wait > this.options.leaseMs) return;
      await sleep(wait + 25);
    }
  }

  private startedEvent(pipelineId: string, pipelineVersion: number, generation: number, recovered: boolean): EventDraft {
    return { name: 'run.started', data: { pipelineId, pipelineVersion, worker: this.id, generation, recovered } };
  }

  /** Executes a claimed run; `start`: its run.started to write, or word that its fresh start stored it already. */
  private async execute(run: RunRecord, definition: PipelineDefinition, start: Parameters<typeof executeRun>[1]): Promise<void> {
    const { logger } = this.runtime;
    // Two deliveries of one run's job in this worker (stall check and sweep) may both get here: one executes.
    if (this.active.has(run.id)) return;
    const controller = new AbortController();
    let finish!: () => void;
    this.active.set(run.id, { controller, done: new Promise<void>((r) => (finish = r)) });
    const log = new RunEventLog(this.recorder, { tenantId: run.tenantId, runId: run.id, siteId: run.siteId }, logger);
    try {
      const handoff = await executeRun({
        run, definition, owner: this.id, limited: this.isLimited(run, definition), signal: controller.signal, catalog: this.catalog,
        requests: this.requestQueue!, leases: this.leases, recorder: this.recorder, log, logger, db: this.runtime.db,
      }, start);
      await log.flush();
      if (handoff?.length) await enqueueRuns(this.runtime.queue, handoff, logger);
    } finally {
      this.active.delete(run.id);
      finish();
    }
  }

  /** Renews every lease this worker holds; aborts runs that were cancelled or taken over. */
  private async heartbeat(): Promise<void> {
    if (this.active.size === 0) return;
    const held = await this.leases.renewAll(this.id, this.options.leaseMs);
    for (const [runId, { controller }] of this.active) {
      if (!held.has(runId)) controller.abort(new Error('the run was cancelled or another worker took it over'));
    }
  }

  private async sweep(): Promise<void> {
    if (this.stopping) return;
    const refs = await this.leases.sweep(new Date(Date.now() - this.options.sweepIntervalMs), 500);
    if (refs.length > 0) {
      const added = await enqueueRuns(this.runtime.queue, refs, this.runtime.logger);
      if (added > 0) this.runtime.logger.info({ requeued: added }, 'sweep re-enqueued runs');
    }
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const t of this.timers) clearInterval(t);
      const abortAll = () => {
        for (const { controller } of this.active.values()) controller.abort(new Error('the worker is shutting down'));
      };
      const grace = setTimeout(abortAll, this.options.graceMs);
      grace.unref();
      await Promise.all([this.runQueue?.close(this.options.graceMs + 1000), this.requestQueue?.close(1000)]);
      clearTimeout(grace);
      abortAll();
      await Promise.all([...this.active.values()].map((a) => a.done));
      // Whatever is still ours goes to the next worker now rather than after the lease.
      await this.leases.releaseAll(this.id).catch(() => undefined);
      this.runtime.logger.info({ worker: this.id }, 'worker stopped');
    })();
    return this.stopping;
  }
}
