/**
 * Migrations are listed here explicitly (not discovered by globbing) so that
 * the same list runs from the CLI, the hub and the tests, on both dialects.
 */
import type { Knex } from 'knex';
import * as m001 from './001-tenants-keys-sites.js';
import * as m002 from './002-plugin-settings.js';
import * as m003 from './003-pipelines-runs.js';
import * as m004 from './004-webhooks.js';
import * as m005 from './005-run-event-seq.js';
import * as m006 from './006-webhook-sales-reversal-index.js';
import * as m007 from './007-sales-event-index.js';
import * as m008 from './008-lean-run-writes.js';
import * as m009 from './009-webhook-relay-indexes.js';
import * as m010 from './010-sales-currency-minor-units.js';
import * as m011 from './011-run-batch-idempotency.js';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const migrations: Record<string, Migration> = {
  '001-tenants-keys-sites': m001,
  '002-plugin-settings': m002,
  '003-pipelines-runs': m003,
  '004-webhooks': m004,
  '005-run-event-seq': m005,
  '006-webhook-sales-reversal-index': m006,
  '007-sales-event-index': m007,
  '008-lean-run-writes': m008,
  '009-webhook-relay-indexes': m009,
  '010-sales-currency-minor-units': m010,
  '011-run-batch-idempotency': m011,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name],
};
