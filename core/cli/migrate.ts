import type { Config } from '../config.js';
import { describeDb } from '../db/knex.js';
import { withDb } from './with-db.js';

export async function migrateCommand(config: Readonly<Config>): Promise<void> {
  const { driver, location } = describeDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await withDb(config, async (_db, applied) => {
    process.stdout.write(applied.length ? `applied ${applied.join(', ')} on ${driver} (${location})\n` : `already up to date on ${driver} (${location})\n`);
  });
}
