/**
 * /api/v1/pipelines: CRUD with versions, and refusal of invalid definitions
 * (cycle, unknown agent, unknown capability, bad reference, bad schema) with
 * a precise 400 and nothing saved. Malformed, oversized, hostile and
 * cross-tenant requests included. Agents come from the real plugin registry.
 */
import { expect } from 'chai';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import type { TestHub } from '../support/test-hub.js';
import { createPipeline, fiveStagePipeline, json, startPipelineHub } from './support.js';

describe('pipelines API', function () {
  let db: TestDatabase;
  let hub: TestHub;
  let key: string;
  let otherKey: string;

  before(async function () {
    db = await createTestDatabase('sqlite');
    hub = await startPipelineHub(db, 'in-process', { BODY_LIMIT_BYTES: '65536' });
    key = (await hub.tenant('acme')).key;
    otherKey = (await hub.tenant('other')).key;
  });
  after(async function () {
    await hub?.stop();
    await db?.cleanup();
  });

  async function count(): Promise<number> {
    return (await json(await hub.api('/api/v1/pipelines', { key }), 200)).total;
  }

  async function refused(definition: unknown): Promise<{ code: string; message: string; details: Array<{ path: string; message: string }> }> {
    const before = await count();
    const body = await json(await hub.api('/api/v1/pipelines', { method: 'POST', key, json: definition }), 400);
    expect(await count(), 'nothing saved').to.equal(before);
    return body.error;
  }

  it('creates, reads, versions and deletes a pipeline with defaults filled in', async function () {
    const created = await createPipeline(hub, key, fiveStagePipeline());
    expect(created.version).to.equal(1);
    const got = await json(await hub.api(`/api/v1/pipelines/${created.id}`, { key }), 200);
    expect(got.definition.stages[0]).to.include({ timeoutMs: 60000, onError: 'fail' });
    expect(got.definition.stages[0].retry).to.deep.equal({ attempts: 1, backoffMs: 1000, maxBackoffMs: 30000, jitter: true });

    const changed = fiveStagePipeline({ name: 'renamed' });
    const v2 = await json(await hub.api(`/api/v1/pipelines/${created.id}`, { method: 'PUT', key, json: changed }), 200);
    expect(v2).to.include({ version: 2, name: 'renamed' });
    const v1 = await json(await hub.api(`/api/v1/pipelines/${created.id}/versions/1`, { key }), 200);
    expect(v1.definition.name).to.equal('five stages');

    await json(await hub.api(`/api/v1/pipelines/${created.id}`, { method: 'DELETE', key }), 204);
    await json(await hub.api(`/api/v1/pipelines/${created.id}`, { key }), 404);
  });

  it('refuses a cycle, naming the stages in it', async function () {
    const def = fiveStagePipeline();
    def.stages[0] = { ...def.stages[0], needs: ['publish'] } as never;
    const error = await refused(def);
    expect(error.code).to.equal('HUB_ERR_PIPELINE_INVALID');
    expect(error.message).to.contain('forms a cycle: research -> publish -> merge -> outline -> research');
  });

  it('refuses an unknown agent and an unknown capability with field paths', async function () {
    const def = fiveStagePipeline();
    (def.stages[1] as { agent: string }).agent = 'no-such-agent';
    def.stages[2].task.capability = 'sing';
    const error = await refused(def);
    expect(error.details).to.deep.include({ path: '/body/stages/1/agent', message: 'names no installed agent "no-such-agent"' });
    expect(error.details).to.deep.include({ path: '/body/stages/2/task/capability', message: 'agent "fx-writer" has no capability "sing" (it offers: outline, write)' });
  });

  it('refuses bad references: unknown stage, a stage not needed, malformed, prototype paths', async function () {
    const def = fiveStagePipeline();
    (def.stages[1].task.input as Record<string, unknown>).a = { $ref: 'stages.ghost.output' };
    (def.stages[1].task.input as Record<string, unknown>).b = { $ref: 'stages.draft.output.title' };
    (def.stages[1].task.input as Record<string, unknown>).c = { $ref: 'input.__proto__.polluted' };
    (def.stages[1].task.input as Record<string, unknown>).d = { $ref: 'input.x', other: true };
    const error = await refused(def);
    const byPath = Object.fromEntries(error.details.map((d) => [d.path, d.message]));
    expect(byPath['/body/stages/1/task/input/a']).to.contain('names no stage "ghost"');
    expect(byPath['/body/stages/1/task/input/b']).to.contain('which stage "outline" does not need');
    expect(byPath['/body/stages/1/task/input/c']).to.contain('invalid segment "__proto__"');
    expect(byPath['/body/stages/1/task/input/d']).to.contain('exactly {"$ref": "<path>"}');
  });

  it('refuses schema violations, unknown needs, duplicate names and an invalid input schema', async function () {
    let error = await refused({ name: 'x', stages: [{ name: '1bad', agent: 'fx-tools', task: {} , onError: 'explode', extra: 1 }] });
    expect(error.code).to.equal('HUB_ERR_VALIDATION_FAILED');
    const paths = error.details.map((d) => d.path);
    expect(paths).to.include.members(['/body/stages/0/name', '/body/stages/0/task/capability', '/body/stages/0/onError', '/body/stages/0/extra']);

    error = await refused({
      name: 'x',
      input: { type: 'nonsense' },
      stages: [
        { name: 'a', agent: 'fx-tools', task: { capability: 'noop' }, needs: ['zzz'] },
        { name: 'a', agent: 'fx-tools', task: { capability: 'noop' } },
      ],
    });
    const byPath = Object.fromEntries(error.details.map((d) => [d.path, d.message]));
    expect(byPath['/body/stages/0/needs/0']).to.equal('names no stage "zzz"');
    expect(byPath['/body/stages/1/name']).to.equal('repeats the stage name "a"');
    expect(byPath['/body/input']).to.contain('is not a valid JSON Schema');
  });

  it('answers malformed, oversized and wrongly typed bodies with 400/413/415', async function () {
    await json(await hub.api('/api/v1/pipelines', { method: 'POST', key, headers: { 'content-type': 'application/json' }, body: '{"name":' }), 400);
    await json(await hub.api('/api/v1/pipelines', { method: 'POST', key, headers: { 'content-type': 'application/json' }, body: '{"__proto__":{"x":1},"name":"p","stages":[]}' }), 400);
    await json(await hub.api('/api/v1/pipelines', { method: 'POST', key, headers: { 'content-type': 'text/plain' }, body: 'hi' }), 415);
    const huge = fiveStagePipeline({ description: 'x'.repeat(70_000) });
    await json(await hub.api('/api/v1/pipelines', { method: 'POST', key, json: huge }), 413);
    await json(await hub.api('/api/v1/pipelines/not-a-uuid', { key }), 400);
  });

  it('keeps tenants apart: another tenant\'s pipeline is 404 for every verb', async function () {
    const mine = await createPipeline(hub, key, fiveStagePipeline());
    await json(await hub.api(`/api/v1/pipelines/${mine.id}`, { key: otherKey }), 404);
    await json(await hub.api(`/api/v1/pipelines/${mine.id}`, { method: 'PUT', key: otherKey, json: fiveStagePipeline() }), 404);
    await json(await hub.api(`/api/v1/pipelines/${mine.id}`, { method: 'DELETE', key: otherKey }), 404);
    await json(await hub.api(`/api/v1/pipelines/${mine.id}/runs`, { method: 'POST', key: otherKey, json: { input: { topic: 'x' } } }), 404);
    const list = await json(await hub.api('/api/v1/pipelines', { key: otherKey }), 200);
    expect(list.items.map((p: { id: string }) => p.id)).to.not.include(mine.id);
  });

  it('requires the pipelines scopes', async function () {
    const { key: readOnly } = await hub.tenant('acme', ['pipelines:read']);
    await json(await hub.api('/api/v1/pipelines', { method: 'POST', key: readOnly, json: fiveStagePipeline() }), 403);
    await json(await hub.api('/api/v1/pipelines', {}), 401);
  });

  it('publishes the definition schema and the bulk route in the OpenAPI document', async function () {
    const schema = await json(await hub.api('/api/v1/schemas/pipeline-definition'), 200);
    expect(schema.required).to.deep.equal(['name', 'stages']);
    const doc = await json(await hub.api('/api/v1/openapi.json'), 200);
    expect(doc.paths).to.have.property('/api/v1/pipelines/{id}/runs:bulk');
  });
});
