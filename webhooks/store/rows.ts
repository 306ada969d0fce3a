/** Small helpers shared by the webhook stores: JSON columns, dialect checks, ids. */
import { randomBytes } from 'node:crypto';
import type { DbOrTx } from '../../core/db/knex.js';
import { isPostgres } from '../../core/db/knex.js';

export function json(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function parseJson<T>(text: unknown, fallback: T): T {
  if (typeof text !== 'string') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** `FOR UPDATE SKIP LOCKED` lets several hub processes claim disjoint rows on PostgreSQL; SQLite has one writer anyway. */
export function skipLocked(db: DbOrTx): string {
  return isPostgres(db) ? ' for update skip locked' : '';
}

/** A `msg_…` id without dots (Standard Webhooks joins id and timestamp with dots). */
export function messageId(): string {
  return `msg_${randomBytes(16).toString('base64url').replace(/[-_]/g, 'x')}`;
}

/** PostgreSQL text rejects U+0000 and varchar lengths are enforced; provider values are cut to fit. */
export function clean(value: string, max: number): string {
  const noNul = value.includes('\u0000') ? value.replaceAll('\u0000', '') : value;
  return noNul.length > max ? noNul.slice(0, max) : noNul;
}
