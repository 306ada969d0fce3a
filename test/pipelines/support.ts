/**
 * Helpers for pipeline tests: a real hub with the fixture agents loaded
 * through the plugin registry (PLUGIN_PATHS), on either queue driver.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import type { TestDatabase } from '../support/databases.js';
import { redisUrl, requireRedis } from '../support/services.js';
import { fixturePluginPaths } from '../fixtures/agents/index.js';

export type Driver = 'in-process' | 'bee-queue';

/** A queue prefix no other test run shares. */
export function uniquePrefix(label: string): string {
  return `sytest-${label}-${randomBytes(5).toString('hex')}`;
}

export async function startPipelineHub(database: TestDatabase, driver: Driver, env: Record<string, string> = {}): Promise<TestHub> {
  if (driver === 'bee-queue') await requireRedis();
  return startTestHub(database, {
    PLUGIN_PATHS: fixturePluginPaths,
    RUN_LEASE_MS: '2000',
    RUN_HEARTBEAT_MS: '200',
    RUN_SWEEP_INTERVAL_MS: '1000',
    ...(driver === 'bee-queue' ? { REDIS_URL: redisUrl, QUEUE_PREFIX: uniquePrefix('hub'), RUN_WORKER_IN_HUB: 'on' } : {}),
    ...env,
  });
}

export async function json<T = any>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  expect(res.status, text).to.equal(status);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A 5-stage pipeline: research -> (outline || draft) -> merge -> publish (publish asks another agent). */
export function fiveStagePipeline(extra: Record<string, unknown> = {}) {
  return {
    name: 'five stages',
    input: { type: 'object', properties: { topic: { type: 'string', minLength: 1 }, logDir: { type: 'string' } }, required: ['topic'] },
    stages: [
      { name: 'research', agent: 'fx-research', task: { capability: 'research', input: { topic: { $ref: 'input.topic' }, logDir: { $ref: 'input.logDir' } } } },
      { name: 'outline', agent: 'fx-writer', needs: ['research'], task: { capability: 'outline', input: { keywords: { $ref: 'stages.research.output.keywords' }, logDir: { $ref: 'input.logDir' } } } },
      { name: 'draft', agent: 'fx-writer', needs: ['research'], task: { capability: 'write', input: { keywords: { $ref: 'stages.research.output.keywords' }, topic: { $ref: 'stages.research.output.topic' }, logDir: { $ref: 'input.logDir' } } } },
      { name: 'merge', agent: 'fx-tools', needs: ['outline', 'draft'], task: { capability: 'merge', input: { sections: { $ref: 'stages.outline.output.sections' }, title: { $ref: 'stages.draft.output.title' }, logDir: { $ref: 'input.logDir' } } } },
      { name: 'publish', agent: 'fx-requester', needs: ['merge'], task: { capability: 'ask', input: { agent: 'fx-tools', capability: 'merge', timeoutMs: 5000, input: { article: { $ref: 'stages.merge.output' }, site: { $ref: 'run.siteId' } }, logDir: { $ref: 'input.logDir' } } } },
    ],
    ...extra,
  };
}

export async function createPipeline(hub: TestHub, key: string, definition: unknown): Promise<{ id: string; version: number }> {
  return json(await hub.api('/api/v1/pipelines', { method: 'POST', key, json: definition }), 201);
}

const finished = (r: any) => ['completed', 'failed', 'cancelled'].includes(r.status);

/** Polls until `until(run)`; for the default (finished) it long-polls with ?wait=. */
export async function waitForRun(hub: TestHub, key: string, runId: string, until: (run: any) => boolean = finished, timeoutMs = 15_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await json(await hub.api(`/api/v1/runs/${runId}${until === finished ? '?wait=2s' : ''}`, { key }), 200);
    if (until(run)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not reach the expected state; last: ${JSON.stringify(run)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
