/**
 * Audit trail of rejected webhook requests (bad or missing signature), bounded
 * so that an attacker cannot fill the disk: a ring of `size` slots per tenant,
 * each row holding at most a short body prefix, a few capped headers and the
 * body's hash. Writes are upserts into the next slot (counter kept in-process;
 * several processes may overwrite each other's slots, the bound still holds).
 */
import { createHash } from 'node:crypto';
import type { Db } from '../../core/db/knex.js';
import { toIso } from '../../core/db/knex.js';
import { clean, json, parseJson } from './rows.js';

export const BODY_PREFIX_BYTES = 512;
const MAX_HEADERS = 20;
const MAX_HEADER_VALUE = 200;

export interface Rejection {
  tenantId: string;
  connector: string;
  source: string;
  reason: string;
  remoteIp: string;
  method: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface RejectionRecord {
  connector: string;
  source: string;
  reason: string;
  remoteIp: string;
  method: string;
  headers: Record<string, string>;
  bodyPrefix: string;
  bodySize: number;
  bodySha256: string;
  createdAt: string;
}

function capHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers).slice(0, MAX_HEADERS)) out[clean(k, 64)] = clean(v, MAX_HEADER_VALUE);
  return out;
}

export class RejectionLog {
  private readonly counters = new Map<string, number>();

  constructor(private readonly db: Db, private readonly size: number) {}

  async record(r: Rejection): Promise<void> {
    const next = this.counters.get(r.tenantId) ?? Math.floor(Math.random() * this.size);
    this.counters.set(r.tenantId, (next + 1) % this.size);
    if (this.counters.size > 10_000) this.counters.clear();
    const row = {
      tenant_id: r.tenantId, slot: next, connector: clean(r.connector, 64), source: clean(r.source, 64),
      reason: clean(r.reason, 200), remote_ip: clean(r.remoteIp, 64), method: clean(r.method, 10),
      headers: json(capHeaders(r.headers)),
      body_prefix: clean(r.body.subarray(0, BODY_PREFIX_BYTES).toString('utf8'), BODY_PREFIX_BYTES),
      body_size: r.body.length, body_sha256: createHash('sha256').update(r.body).digest('hex'), created_at: new Date(),
    };
    const { tenant_id: _t, slot: _s, ...changes } = row;
    await this.db('webhook_rejections').insert(row).onConflict(['tenant_id', 'slot']).merge(changes);
  }

  async list(tenantId: string, limit: number): Promise<RejectionRecord[]> {
    const rows = await this.db('webhook_rejections').where({ tenant_id: tenantId }).orderBy('created_at', 'desc').limit(limit);
    return rows.map((r) => ({
      connector: r.connector, source: r.source, reason: r.reason, remoteIp: r.remote_ip, method: r.method,
      headers: parseJson(r.headers, {}), bodyPrefix: r.body_prefix, bodySize: Number(r.body_size), bodySha256: r.body_sha256,
      createdAt: toIso(r.created_at)!,
    }));
  }
}
