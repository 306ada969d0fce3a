/**
 * run_batches.idempotency_key: a bulk start repeated with the same
 * Idempotency-Key (a client retrying after a timeout) returns the batch it
 * started the first time instead of starting every run again. Unique per
 * tenant; NULL (no key) never conflicts, on either dialect.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('run_batches', (t) => {
    t.string('idempotency_key', 255);
    t.unique(['tenant_id', 'idempotency_key'], { indexName: 'run_batches_tenant_idempotency_unique' });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('run_batches', (t) => {
    t.dropUnique(['tenant_id', 'idempotency_key'], 'run_batches_tenant_idempotency_unique');
  });
  await knex.schema.alterTable('run_batches', (t) => {
    t.dropColumn('idempotency_key');
  });
}
