/**
 * The real services the suite needs. Tests never skip when one is missing:
 * they fail and name the URL they tried (TEST_DATABASE_URL / TEST_REDIS_URL
 * override the local defaults).
 */
import pg from 'pg';
import { Redis } from 'ioredis';

export const postgresUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const redisUrl = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function requirePostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    throw new Error(`PostgreSQL is required by this suite and is unreachable at ${postgresUrl}: ${(err as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function requireRedis(): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(`Redis is required by this suite and is unreachable at ${redisUrl}: ${(err as Error).message}`);
  } finally {
    redis.disconnect();
  }
}
