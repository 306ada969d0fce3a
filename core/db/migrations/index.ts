/**
 * Migrations are listed here explicitly (not discovered by globbing) so that
 * the same list runs from the CLI, the hub and the tests, on both dialects.
 */
import type { Knex } from 'knex';
import * as m001 from './001-tenants-keys-sites.js';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const migrations: Record<string, Migration> = {
  '001-tenants-keys-sites': m001,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name],
};
