/**
 * Fewer writes per run: every run inserts one runs row, rewrites it at each
 * status change (a status change is never a heap-only update, so each one
 * adds an entry to every index of runs) and inserts one run_events row per
 * event. bench/pipelines measured index inserts and foreign-key checks at
 * about half of PostgreSQL's time per run.
 *
 * - runs: indexes that only some rows need become partial, so the other rows
 *   (and their later versions) add no entry there: idempotency keys and
 *   batch ids are mostly absent, site ids often are, and the (status,
 *   updated_at) index serves the sweep, which looks at queued and running
 *   runs only. Every query that used them names a value (or a queued/running
 *   status), which implies the predicate, so the planner still uses them.
 * - run_events (PostgreSQL): (run_id, seq) becomes the primary key and the
 *   unused surrogate id goes, with its sequence and index. The foreign key
 *   to runs goes too: events are only ever inserted joined to the run row
 *   their own statement has just locked (UPDATE runs … RETURNING, see
 *   run-transitions-repo.ts), so the run exists by construction, and the
 *   check repeated that lookup for every event. Nothing in the hub deletes
 *   runs; whatever does must delete their events too. SQLite keeps both: its
 *   rowid costs nothing and its checks are cheap.
 */
import type { Knex } from 'knex';

const isPg = (knex: Knex) => knex.client.config.client === 'pg';

async function dropUnique(knex: Knex, table: string, name: string): Promise<void> {
  if (isPg(knex)) await knex.raw(`alter table ${table} drop constraint ${name}`);
  else await knex.raw(`drop index ${name}`);
}

export async function up(knex: Knex): Promise<void> {
  await dropUnique(knex, 'runs', 'runs_tenant_id_idempotency_key_unique');
  await knex.raw('create unique index runs_tenant_idempotency_key on runs (tenant_id, idempotency_key) where idempotency_key is not null');
  await knex.raw('drop index runs_batch_id_index');
  await knex.raw('create index runs_batch on runs (batch_id) where batch_id is not null');
  await knex.raw('drop index runs_tenant_id_site_id_status_index');
  await knex.raw('create index runs_tenant_site_status on runs (tenant_id, site_id, status) where site_id is not null');
  await knex.raw('drop index runs_status_updated_at_index');
  await knex.raw("create index runs_open_status_updated on runs (status, updated_at) where status in ('queued', 'running')");

  if (isPg(knex)) {
    await knex.raw('alter table run_events drop constraint run_events_run_id_foreign');
    await knex.raw('alter table run_events drop column id');
    await knex.raw('alter table run_events drop constraint run_events_run_id_seq_unique');
    await knex.raw('alter table run_events add constraint run_events_pkey primary key (run_id, seq)');
  }
}

export async function down(knex: Knex): Promise<void> {
  if (isPg(knex)) {
    await knex.raw('alter table run_events drop constraint run_events_pkey');
    await knex.raw('alter table run_events add constraint run_events_run_id_seq_unique unique (run_id, seq)');
    await knex.raw('alter table run_events add column id bigserial primary key');
    await knex.raw('alter table run_events add constraint run_events_run_id_foreign foreign key (run_id) references runs (id) on delete cascade');
  }
  await knex.raw('drop index runs_open_status_updated');
  await knex.raw('create index runs_status_updated_at_index on runs (status, updated_at)');
  await knex.raw('drop index runs_tenant_site_status');
  await knex.raw('create index runs_tenant_id_site_id_status_index on runs (tenant_id, site_id, status)');
  await knex.raw('drop index runs_batch');
  await knex.raw('create index runs_batch_id_index on runs (batch_id)');
  await knex.raw('drop index runs_tenant_idempotency_key');
  if (isPg(knex)) await knex.raw('alter table runs add constraint runs_tenant_id_idempotency_key_unique unique (tenant_id, idempotency_key)');
  else await knex.raw('create unique index runs_tenant_id_idempotency_key_unique on runs (tenant_id, idempotency_key)');
}
