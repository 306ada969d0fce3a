/**
 * Run state transitions at the storage level, on both dialects: each run's
 * part is fenced by its own lease (also when PostgreSQL puts the transitions
 * of many runs into one statement), event seqs stay contiguous per run and
 * equal what the caller is told (and publishes), a finished run releases its
 * lease, and the next_seq migration backfills existing runs.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { createDb, migrateLatest, type Db } from '../../core/db/knex.js';
import * as m005 from '../../core/db/migrations/005-run-event-seq.js';
import { RunEventsRepo } from '../../core/db/repos/run-events-repo.js';
import { RunLeasesRepo } from '../../core/db/repos/run-leases-repo.js';
import { RunStagesRepo } from '../../core/db/repos/run-stages-repo.js';
import { RunTransitionsRepo } from '../../core/db/repos/run-transitions-repo.js';
import { RunsRepo } from '../../core/db/repos/runs-repo.js';
import { TenantsRepo } from '../../core/db/repos/tenants-repo.js';
import { forEachDialect } from '../support/databases.js';

forEachDialect('run transitions', (database) => {
  let db: Db;
  let tenantId: string;

  before(async function () {
    const d = database();
    db = createDb({ databaseUrl: d.databaseUrl, dataDir: d.dataDir, searchPath: d.searchPath });
    await migrateLatest(db);
    tenantId = (await new TenantsRepo(db).ensure('transitions')).id;
  });
  after(async function () {
    await db?.destroy();
  });

  const unlimited = { perPipeline: 0, perSite: 0 };

  /** Fresh runs with stages a and b. */
  async function freshRuns(n: number): Promise<string[]> {
    const ids = Array.from({ length: n }, () => randomUUID());
    await new RunsRepo(db).insert(ids.map((id) => ({ id, tenantId, pipelineId: randomUUID(), pipelineVersion: 1, input: { id } })));
    await new RunStagesRepo(db).insert(ids, [{ name: 'a', agentId: 'x' }, { name: 'b', agentId: 'x' }]);
    return ids;
  }

  /** Runs with stages a and b, claimed by `owner`. */
  async function claimedRuns(n: number, owner: string): Promise<string[]> {
    const ids = Array.from({ length: n }, () => randomUUID());
    await new RunsRepo(db).insert(ids.map((id) => ({ id, tenantId, pipelineId: randomUUID(), pipelineVersion: 1, input: {} })));
    await new RunStagesRepo(db).insert(ids, [{ name: 'a', agentId: 'x' }, { name: 'b', agentId: 'x' }]);
    const leases = new RunLeasesRepo(db);
    for (const id of ids) expect((await leases.claim(id, owner, 60_000, () => unlimited)).kind, id).to.equal('claimed');
    return ids;
  }

  const seqsOf = async (runId: string) => (await db('run_events').where({ run_id: runId }).orderBy('seq').select('seq', 'name')).map((r: { seq: unknown; name: string }) => [Number(r.seq), r.name]);

  it('fences each run on its own within concurrent transitions and keeps seqs contiguous per run', async function () {
    const ids = await claimedRuns(12, 'w1');
    const stolen = ids[3];
    const cancelled = ids[7];
    await db('runs').where({ id: stolen }).update({ lease_owner: 'w2' });
    await db('runs').where({ id: cancelled }).update({ status: 'cancelled' });
    const leases = new RunLeasesRepo(db);

    const statements: string[] = [];
    const count = (q: { sql: string }) => statements.push(q.sql);
    db.on('query', count);
    const first = await Promise.all(ids.map((id) => leases.transition({ id, tenantId }, 'w1', {
      stages: [{ name: 'a', status: 'running', attempt: 1 }],
      events: [{ name: 'run.started', data: {} }, { name: 'stage.started', agentId: 'x', data: { stage: 'a' } }],
    })));
    db.removeListener('query', count);
    // PostgreSQL: all twelve in one statement; SQLite: a transaction each.
    if (database().dialect === 'postgresql') expect(statements).to.have.length(1);

    for (const [i, id] of ids.entries()) {
      if (id === stolen || id === cancelled) {
        expect(first[i], 'fenced out').to.equal(undefined);
        expect(await seqsOf(id)).to.deep.equal([]);
        expect((await new RunStagesRepo(db).list(id))[0]).to.include({ status: 'pending', attempts: 0 });
      } else {
        expect(first[i]!.map((e) => [e.seq, e.name])).to.deep.equal([[1, 'run.started'], [2, 'stage.started']]);
        expect(await seqsOf(id)).to.deep.equal([[1, 'run.started'], [2, 'stage.started']]);
      }
    }

    // The next transition continues the sequence: stage a's result together with b's start.
    const live = ids.filter((id) => id !== stolen && id !== cancelled);
    const second = await Promise.all(live.map((id) => leases.transition({ id, tenantId }, 'w1', {
      stages: [{ name: 'a', status: 'completed', output: { id } }, { name: 'b', status: 'running', attempt: 1 }],
      events: [{ name: 'stage.completed', data: { stage: 'a' } }, { name: 'stage.started', data: { stage: 'b' } }],
    })));
    for (const [i, id] of live.entries()) {
      expect(second[i]!.map((e) => e.seq)).to.deep.equal([3, 4]);
      const stages = await new RunStagesRepo(db).list(id);
      expect(stages[0]).to.include({ status: 'completed', attempts: 1 });
      expect(stages[0].output).to.deep.equal({ id });
      expect(stages[1]).to.include({ status: 'running', attempts: 1 });
    }
  });

  it('interleaves unfenced appends (agent messages) with fenced transitions without a seq collision', async function () {
    const [id] = await claimedRuns(1, 'w1');
    const events = new RunEventsRepo(db);
    const leases = new RunLeasesRepo(db);
    const results = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => events.append({ tenantId, runId: id, name: 'agent.message', data: { i } }).then((e) => [e.seq])),
      leases.transition({ id, tenantId }, 'w1', { stages: [{ name: 'a', status: 'running', attempt: 1 }], events: [{ name: 'stage.started', data: {} }] }).then((e) => e!.map((x) => x.seq)),
    ]);
    const told = results.flat().sort((a, b) => a - b);
    expect(told).to.deep.equal(Array.from({ length: 21 }, (_, i) => i + 1));
    expect((await seqsOf(id)).map(([seq]) => seq)).to.deep.equal(told);
    const missing = await events.append({ tenantId, runId: randomUUID(), name: 'agent.message', data: {} }).then(() => undefined, (err: Error) => err);
    expect(missing?.message).to.match(/does not exist/);
  });

  it('finishes a run with its last stage result, skips pending stages and releases the lease; later fenced writes are refused', async function () {
    const [id] = await claimedRuns(1, 'w1');
    const leases = new RunLeasesRepo(db);
    const run = (await new RunsRepo(db).get(tenantId, id))!;
    const done = await leases.finish(run, 'w1', {
      stages: [{ name: 'a', status: 'failed', error: { code: 'E', message: 'boom' } }],
      events: [{ name: 'stage.failed', data: { stage: 'a' } }, { name: 'run.failed', data: {} }],
      finish: { status: 'failed', error: { code: 'E', message: 'stage a failed: boom', stage: 'a' }, skipPending: true },
    }, false);
    expect(done!.events.map((e) => [e.seq, e.name])).to.deep.equal([[1, 'stage.failed'], [2, 'run.failed']]);
    const row = await db('runs').where({ id }).first();
    expect(row).to.include({ status: 'failed', lease_owner: null, lease_expires_at: null });
    expect(JSON.parse(row.error)).to.deep.equal({ code: 'E', message: 'stage a failed: boom', stage: 'a' });
    expect(row.finished_at).to.not.equal(null);
    const stages = await new RunStagesRepo(db).list(id);
    expect(stages.map((s) => s.status)).to.deep.equal(['failed', 'skipped']);
    expect(await leases.transition({ id, tenantId }, 'w1', { events: [{ name: 'stage.started', data: {} }] })).to.equal(undefined);
    expect(await seqsOf(id)).to.have.length(2);
  });

  it('starts a fresh run with its claim and first transition in one write, once; a recovery goes through claim', async function () {
    const [id, other, busy] = await freshRuns(3);
    const [claimed] = await claimedRuns(1, 'w1');
    const leases = new RunLeasesRepo(db);
    const first = { stages: [{ name: 'a', status: 'running' as const, attempt: 1 }], events: [{ name: 'run.started' as const, data: {} }, { name: 'stage.started' as const, agentId: 'x', data: { stage: 'a' } }] };

    const statements: string[] = [];
    const count = (q: { sql: string }) => statements.push(q.sql);
    db.on('query', count);
    const [started, wrongTenant, beside] = await Promise.all([
      leases.start({ id, tenantId }, 'w1', 60_000, first),
      leases.start({ id: other, tenantId: randomUUID() }, 'w1', 60_000, first),
      leases.transition({ id: claimed, tenantId }, 'w1', first),
    ]);
    db.removeListener('query', count);
    // PostgreSQL: the starts share one statement with another run's transition.
    if (database().dialect === 'postgresql') expect(statements).to.have.length(1);

    expect(started!.run).to.include({ id, tenantId, status: 'running', leaseOwner: 'w1', generation: 0 });
    expect(started!.run.input).to.deep.equal({ id });
    expect(started!.run.startedAt).to.be.a('string');
    expect(started!.events.map((e) => [e.seq, e.name])).to.deep.equal([[1, 'run.started'], [2, 'stage.started']]);
    expect(await seqsOf(id)).to.deep.equal([[1, 'run.started'], [2, 'stage.started']]);
    expect((await new RunStagesRepo(db).list(id))[0]).to.include({ status: 'running', attempts: 1 });
    expect(await db('runs').where({ id }).first()).to.include({ status: 'running', lease_owner: 'w1' });
    expect(beside!.map((e) => e.seq)).to.deep.equal([1, 2]);

    expect(wrongTenant, 'other tenant').to.equal(undefined);
    expect(await db('runs').where({ id: other }).first()).to.include({ status: 'queued', lease_owner: null });
    expect(await seqsOf(other)).to.deep.equal([]);

    // Started once: neither another worker nor the same one starts it fresh again, and nothing more is written.
    expect(await leases.start({ id, tenantId }, 'w2', 60_000, first)).to.equal(undefined);
    expect(await leases.start({ id, tenantId }, 'w1', 60_000, first)).to.equal(undefined);
    expect(await seqsOf(id)).to.have.length(2);
    // A resumed run (generation 1) is never fresh either.
    await db('runs').where({ id: busy }).update({ generation: 1 });
    expect(await leases.start({ id: busy, tenantId }, 'w1', 60_000, first)).to.equal(undefined);

    // The owner died: after its lease, another worker claims the run as a recovery.
    expect((await leases.claim(id, 'w2', 60_000, () => unlimited)).kind).to.equal('busy');
    await db('runs').where({ id }).update({ lease_expires_at: Date.now() - 1 });
    const recovered = await leases.claim(id, 'w2', 60_000, () => unlimited);
    expect(recovered.kind).to.equal('claimed');
    if (recovered.kind === 'claimed') {
      expect(recovered.firstStart).to.equal(false);
      expect(recovered.run).to.include({ leaseOwner: 'w2', status: 'running' });
    }
  });

  it('migration 005 backfills next_seq from stored events', async function () {
    const [id] = await claimedRuns(1, 'w1');
    await new RunEventsRepo(db).append({ tenantId, runId: id, name: 'agent.message', data: {} });
    await new RunEventsRepo(db).append({ tenantId, runId: id, name: 'agent.message', data: {} });
    await m005.down(db);
    await m005.up(db);
    expect(Number((await db('runs').where({ id }).first()).next_seq)).to.equal(2);
    expect((await new RunEventsRepo(db).append({ tenantId, runId: id, name: 'agent.message', data: {} })).seq).to.equal(3);
  });
});
