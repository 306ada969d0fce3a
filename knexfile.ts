/**
 * For the knex CLI, run through tsx:
 *   node --import tsx node_modules/knex/bin/cli.js --knexfile knexfile.ts migrate:status
 * The hub itself migrates through `switchyard migrate` and on start, with the
 * same settings (core/db/knex.ts knexConfig) and the same migration list.
 */
import fs from 'node:fs';
import { loadConfig } from './core/config.js';
import { knexConfig } from './core/db/knex.js';

const config = loadConfig(process.env);
if (!config.databaseUrl) fs.mkdirSync(config.dataDir, { recursive: true });

export default knexConfig({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
