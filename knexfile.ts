/**
 * For the knex CLI (`npx knex --knexfile knexfile.ts migrate:status`). The hub
 * itself migrates through `switchyard migrate` and on start, using the same
 * connection settings and the same explicit migration list.
 */
import { loadConfig } from './core/config.js';
import { migrationSource } from './core/db/migrations/index.js';

const config = loadConfig(process.env);

export default config.databaseUrl
  ? { client: 'pg', connection: config.databaseUrl, migrations: { migrationSource } }
  : {
      client: 'better-sqlite3',
      connection: { filename: `${config.dataDir}/switchyard.sqlite` },
      useNullAsDefault: true,
      migrations: { migrationSource },
    };
