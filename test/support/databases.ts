/**
 * Runs a suite once per storage dialect: an SQLite file in a fresh temp dir,
 * and PostgreSQL in a fresh schema that is dropped afterwards, so suites never
 * see each other's rows and a dev database is left as it was.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { postgresUrl, requirePostgres } from './services.js';

export interface TestDatabase {
  dialect: 'sqlite' | 'postgresql';
  dataDir: string;
  databaseUrl?: string;
  searchPath?: string;
  cleanup(): Promise<void>;
}

export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `switchyard-${label}-`));
}

export async function createTestDatabase(dialect: 'sqlite' | 'postgresql'): Promise<TestDatabase> {
  const dataDir = tempDir(dialect);
  if (dialect === 'sqlite') {
    return { dialect, dataDir, cleanup: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  }
  await requirePostgres();
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  // The schema goes into the URL's search_path too, so child processes (CLI, hub) use it.
  const url = new URL(postgresUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    dialect,
    dataDir,
    databaseUrl: url.toString(),
    searchPath: schema,
    async cleanup() {
      const c = new pg.Client({ connectionString: postgresUrl });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const dialects = ['sqlite', 'postgresql'] as const;

/**
 * Declares `describe(title [dialect])` for each dialect, handing the suite a
 * getter for its database and the dialect (for cases that exist on one only).
 */
export function forEachDialect(title: string, body: (db: () => TestDatabase, dialect: (typeof dialects)[number]) => void): void {
  for (const dialect of dialects) {
    describe(`${title} [${dialect}]`, function () {
      let database: TestDatabase | undefined;
      before(async function () {
        database = await createTestDatabase(dialect);
      });
      after(async function () {
        await database?.cleanup();
      });
      body(() => {
        if (!database) throw new Error('test database not ready');
        return database;
      }, dialect);
    });
  }
}
