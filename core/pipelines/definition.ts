/**
 * The shape of a pipeline definition as stored (normalised: every default
 * filled in at save time, so a run records exactly what it executes).
 */
import type { JsonSchema } from '../sdk/types.js';

export interface RetryPolicy {
  /** Total attempts including the first (1 = no retry). */
  attempts: number;
  /** Delay before the first retry; doubles on each further retry. */
  backoffMs: number;
  maxBackoffMs: number;
  /** Full jitter: the delay is a random value in [delay/2, delay]. */
  jitter: boolean;
}

export interface StageDefinition {
  name: string;
  agent: string;
  task: { capability: string; input: unknown };
  needs: string[];
  timeoutMs: number;
  retry: RetryPolicy;
  onError: 'fail' | 'continue';
}

export interface ConcurrencyLimits {
  /** Most runs of this pipeline executing at once (0 = unlimited). */
  perPipeline: number;
  /** Most runs for the same site key at once (0 = unlimited); default PIPELINE_SITE_CONCURRENCY. */
  perSite?: number;
}

export interface PipelineDefinition {
  name: string;
  description?: string;
  /** JSON Schema the run input must match. */
  input?: JsonSchema;
  concurrency: ConcurrencyLimits;
  stages: StageDefinition[];
}

export const stageDefaults = {
  timeoutMs: 60_000,
  retry: { attempts: 1, backoffMs: 1000, maxBackoffMs: 30_000, jitter: true } satisfies RetryPolicy,
  onError: 'fail' as const,
};

