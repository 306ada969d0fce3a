/**
 * Tables: pipelines, pipeline_versions, run_batches, runs, run_stages, run_events.
 *
 * - A pipeline's definition is immutable per version; a run records the exact
 *   version it runs (pipeline_id + pipeline_version).
 * - runs.lease_owner / lease_expires_at (epoch ms) implement run ownership with
 *   a heartbeat: a run whose lease expired is claimed again by another worker.
 * - runs.generation increases on resume; the queue job id derives from
 *   run id + generation, so a duplicate enqueue of the same attempt is a no-op.
 * - run_stages holds one row per stage: results persist as each stage completes.
 * - run_events stores every run event with a per-run seq (unique(run_id, seq))
 *   so realtime clients can replay what they missed.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('pipelines', (t) => {
    t.string('id', 36).primary();
    t.string('tenant_id', 36).notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('name', 200).notNullable();
    t.integer('version').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.timestamp('deleted_at', { useTz: true });
    t.index(['tenant_id', 'created_at']);
  });
  await knex.schema.createTable('pipeline_versions', (t) => {
    t.string('pipeline_id', 36).notNullable().references('id').inTable('pipelines').onDelete('CASCADE');
    t.integer('version').notNullable();
    t.text('definition').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.primary(['pipeline_id', 'version']);
  });
  await knex.schema.createTable('run_batches', (t) => {
    t.string('id', 36).primary();
    t.string('tenant_id', 36).notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('pipeline_id', 36).notNullable();
    t.integer('total').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('runs', (t) => {
    t.string('id', 36).primary();
    t.string('tenant_id', 36).notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('pipeline_id', 36).notNullable();
    t.integer('pipeline_version').notNullable();
    t.string('site_id', 200);
    t.string('batch_id', 36);
    t.string('idempotency_key', 255);
    t.string('status', 16).notNullable();
    t.boolean('throttled').notNullable().defaultTo(false);
    t.integer('generation').notNullable().defaultTo(0);
    t.text('input').notNullable();
    t.text('output');
    t.text('error');
    t.string('lease_owner', 100);
    t.bigInteger('lease_expires_at');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.timestamp('started_at', { useTz: true });
    t.timestamp('finished_at', { useTz: true });
    t.unique(['tenant_id', 'idempotency_key']);
    t.index(['tenant_id', 'created_at']);
    t.index(['status', 'updated_at']);
    t.index(['pipeline_id', 'status']);
    t.index(['tenant_id', 'site_id', 'status']);
    t.index(['batch_id']);
  });
  await knex.schema.createTable('run_stages', (t) => {
    t.string('run_id', 36).notNullable().references('id').inTable('runs').onDelete('CASCADE');
    t.string('name', 100).notNullable();
    t.integer('position').notNullable();
    t.string('agent_id', 200).notNullable();
    t.string('status', 16).notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('output');
    t.text('error');
    t.timestamp('started_at', { useTz: true });
    t.timestamp('finished_at', { useTz: true });
    t.primary(['run_id', 'name']);
  });
  await knex.schema.createTable('run_events', (t) => {
    t.bigIncrements('id').primary();
    t.string('tenant_id', 36).notNullable();
    t.string('run_id', 36).notNullable().references('id').inTable('runs').onDelete('CASCADE');
    t.integer('seq').notNullable();
    t.string('name', 40).notNullable();
    t.string('agent_id', 200);
    t.text('data').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['run_id', 'seq']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('run_events');
  await knex.schema.dropTable('run_stages');
  await knex.schema.dropTable('runs');
  await knex.schema.dropTable('run_batches');
  await knex.schema.dropTable('pipeline_versions');
  await knex.schema.dropTable('pipelines');
}
