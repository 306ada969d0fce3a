/**
 * Tables: tenants, api_keys, sites.
 * Every tenant-owned row carries tenant_id; API keys are stored as a SHA-256
 * hash of the whole key (keys carry 256 random bits, so a slow hash adds nothing).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tenants', (t) => {
    t.string('id', 36).primary();
    t.string('slug', 64).notNullable().unique();
    t.string('name', 200).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('api_keys', (t) => {
    t.string('id', 36).primary();
    t.string('tenant_id', 36).notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('name', 200).notNullable();
    t.string('prefix', 16).notNullable();
    t.string('key_hash', 64).notNullable().unique();
    t.text('scopes').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true });
    t.index(['tenant_id']);
  });
  await knex.schema.createTable('sites', (t) => {
    t.string('id', 36).primary();
    t.string('tenant_id', 36).notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('name', 200).notNullable();
    t.string('domain', 253).notNullable();
    t.text('tags').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.unique(['tenant_id', 'domain']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sites');
  await knex.schema.dropTable('api_keys');
  await knex.schema.dropTable('tenants');
}
