/**
 * Table: plugin_settings — one row per (tenant, plugin) once the tenant
 * changes anything; no row means "enabled, default config, no credentials".
 * Credentials are an AES-256-GCM envelope (core/secrets/cipher.ts);
 * credentials_key_id repeats the envelope's key id so a key rotation can find
 * the rows still under an old key without decrypting everything.
 * credential_fields lists the names of the fields that are set (never values).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('plugin_settings', (t) => {
    t.string('tenant_id', 36).notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('plugin_id', 64).notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.text('config');
    t.text('credentials_ciphertext');
    t.string('credentials_key_id', 32);
    t.text('credential_fields');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.primary(['tenant_id', 'plugin_id']);
    t.index(['credentials_key_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('plugin_settings');
}
