import type { Config } from '../config.js';
import { createDb, describeDb, migrateLatest } from '../db/knex.js';

export async function migrateCommand(config: Readonly<Config>): Promise<void> {
  const options = { databaseUrl: config.databaseUrl, dataDir: config.dataDir };
  const db = createDb(options);
  try {
    const applied = await migrateLatest(db);
    const { driver, location } = describeDb(options);
    process.stdout.write(applied.length ? `applied ${applied.join(', ')} on ${driver} (${location})\n` : `already up to date on ${driver} (${location})\n`);
  } finally {
    await db.destroy();
  }
}
