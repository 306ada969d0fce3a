/** The API's view of a run: the run record with its stages (timings) and agent messages. */
import type { StoredRunEvent } from '../db/repos/run-events-repo.js';
import { runStatuses, type RunRecord } from '../db/repos/runs-repo.js';
import { stageStatuses, type StageRecord } from '../db/repos/run-stages-repo.js';

export interface StageView extends StageRecord {
  durationMs: number | null;
}

export interface RunView {
  id: string;
  pipelineId: string;
  pipelineVersion: number;
  status: RunRecord['status'];
  throttled: boolean;
  siteId: string | null;
  batchId: string | null;
  idempotencyKey: string | null;
  /** 0 for the first execution, +1 per resume. */
  generation: number;
  input: unknown;
  output: unknown;
  error: RunRecord['error'];
  createdAt: string;
  /** When the run last changed status (stage progress is in the stages and events). */
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  stages: StageView[];
  messages?: Array<{ seq: number; agentId: string | null; at: string; data: Record<string, unknown> }>;
}

export function runView(run: RunRecord, stages: StageRecord[], messages?: StoredRunEvent[]): RunView {
  return {
    id: run.id,
    pipelineId: run.pipelineId,
    pipelineVersion: run.pipelineVersion,
    status: run.status,
    throttled: run.throttled,
    siteId: run.siteId,
    batchId: run.batchId,
    idempotencyKey: run.idempotencyKey,
    generation: run.generation,
    input: run.input,
    output: run.output,
    error: run.error,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    stages: stages.map((s) => ({ ...s, durationMs: s.startedAt && s.finishedAt ? Date.parse(s.finishedAt) - Date.parse(s.startedAt) : null })),
    ...(messages ? { messages: messages.map((m) => ({ seq: m.seq, agentId: m.agentId, at: m.createdAt, data: m.data })) } : {}),
  };
}

const stageSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' }, position: { type: 'integer' }, agentId: { type: 'string' },
    status: { type: 'string', enum: [...stageStatuses] },
    attempts: { type: 'integer' }, output: {}, error: { type: ['object', 'null'] },
    startedAt: { type: ['string', 'null'] }, finishedAt: { type: ['string', 'null'] }, durationMs: { type: ['integer', 'null'] },
  },
  required: ['name', 'status', 'attempts'],
};

/** JSON Schema of RunView for the OpenAPI document. */
export const runViewSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' }, pipelineId: { type: 'string' }, pipelineVersion: { type: 'integer' },
    status: { type: 'string', enum: [...runStatuses] },
    throttled: { type: 'boolean' }, siteId: { type: ['string', 'null'] }, batchId: { type: ['string', 'null'] },
    idempotencyKey: { type: ['string', 'null'] }, generation: { type: 'integer' },
    input: {}, output: {}, error: { type: ['object', 'null'] },
    createdAt: { type: 'string' }, updatedAt: { type: 'string' }, startedAt: { type: ['string', 'null'] }, finishedAt: { type: ['string', 'null'] },
    stages: { type: 'array', items: stageSchema },
    messages: { type: 'array', items: { type: 'object' } },
  },
  required: ['id', 'pipelineId', 'pipelineVersion', 'status', 'stages'],
};
