import type { Config } from '../config.js';
import { createDb, migrateLatest, type Db } from '../db/knex.js';

/**
 * For one-shot CLI commands: opens the configured database, applies pending
 * migrations (so a command works before the hub ever started), runs `work`
 * and closes the pool. `work` gets the names of the migrations applied now.
 */
export async function withDb<T>(config: Readonly<Config>, work: (db: Db, applied: string[]) => Promise<T>): Promise<T> {
  const db = createDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    return await work(db, await migrateLatest(db));
  } finally {
    await db.destroy();
  }
}
