/**
 * Storage connection. PostgreSQL when DATABASE_URL is set, otherwise an
 * embedded SQLite file under DATA_DIR. Both run the same migrations and the
 * same repository code; dialect differences stay inside core/db.
 */
import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { redactUrl } from '../config.js';
import { migrationSource } from './migrations/index.js';

export type Db = Knex;
export type DbOrTx = Knex | Knex.Transaction;

export interface DbOptions {
  databaseUrl?: string;
  dataDir: string;
  /** PostgreSQL schema to use (tests give each suite its own). */
  searchPath?: string;
  poolMax?: number;
}

export interface DbInfo {
  driver: 'sqlite' | 'postgresql';
  /** Where the data lives, with any password removed. */
  location: string;
}

function sqliteFile(dataDir: string): string {
  return path.join(dataDir, 'switchyard.sqlite');
}

export function describeDb(options: DbOptions): DbInfo {
  if (options.databaseUrl) return { driver: 'postgresql', location: redactUrl(options.databaseUrl) };
  return { driver: 'sqlite', location: sqliteFile(options.dataDir) };
}

/** The knex settings for these options: used by createDb and by knexfile.ts (the knex CLI). */
export function knexConfig(options: DbOptions): Knex.Config {
  if (options.databaseUrl) {
    return {
      client: 'pg',
      connection: options.databaseUrl,
      searchPath: options.searchPath ? [options.searchPath] : undefined,
      pool: { min: 0, max: options.poolMax ?? 10 },
      migrations: { migrationSource },
    };
  }
  return {
    client: 'better-sqlite3',
    connection: { filename: sqliteFile(options.dataDir) },
    useNullAsDefault: true,
    migrations: { migrationSource },
    pool: {
      min: 1,
      max: 1,
      afterCreate(conn: { pragma(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
        // WAL lets readers (other CLI processes) work while the hub writes;
        // foreign keys are off by default in SQLite.
        conn.pragma('journal_mode = WAL');
        conn.pragma('foreign_keys = ON');
        conn.pragma('busy_timeout = 5000');
        done(null, conn);
      },
    },
  };
}

export function createDb(options: DbOptions): Db {
  if (!options.databaseUrl) fs.mkdirSync(options.dataDir, { recursive: true });
  return knexFactory(knexConfig(options));
}

export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest()) as [number, string[]];
  return applied;
}

export function isPostgres(db: DbOrTx): boolean {
  return db.client.config.client === 'pg';
}

/**
 * A raw statement that PostgreSQL parses and plans once per connection (a
 * named prepared statement) instead of on every execution. For the hot,
 * constant-text statements (run transitions, claims, webhook ingest), parse
 * and plan were about a third of PostgreSQL's time per statement (measured
 * with log_min_duration_statement while bench/pipelines ran). `sql` must
 * never change for a given `name`, and should name its result columns rather
 * than `*` (a cached plan refuses to change its result type after a migration).
 * SQLite ignores the name.
 */
export function prepared(db: DbOrTx, name: string, sql: string, bindings: readonly Knex.RawBinding[]): Knex.Raw {
  const raw = db.raw(sql, bindings as Knex.RawBinding[]);
  return isPostgres(db) ? raw.options({ name }) : raw;
}

/** True when the error is a unique-constraint violation on either dialect. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Dates come back as Date (pg) or epoch milliseconds (SQLite); the API speaks ISO 8601. */
export function toIso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return new Date(value).toISOString();
  const asNumber = Number(value);
  return Number.isFinite(asNumber) ? new Date(asNumber).toISOString() : new Date(String(value)).toISOString();
}
