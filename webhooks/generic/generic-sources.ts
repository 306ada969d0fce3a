/**
 * Generic HMAC sources: for senders without a connector (n8n workflows, custom
 * scripts, other SaaS). A tenant defines a named source with its signature
 * scheme; requests go to `/webhooks/:tenant/generic/:source`. Event types are
 * namespaced `generic.<source>.<type>` so a source can never impersonate a
 * connector's events in trigger rules.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Db } from '../../core/db/knex.js';
import { toIso } from '../../core/db/knex.js';
import type { NormalizedEvent, RawWebhookRequest, VerifyResult } from '../../core/sdk/index.js';
import { json, parseJson } from '../store/rows.js';
import type { SecretBox } from '../store/secret-box.js';
import { verifyHmac, type HmacSettings } from '../verify/hmac.js';
import { ParseOnce } from '../verify/parse-once.js';
import { valueAt } from '../triggers/rule-matcher.js';

export interface GenericSourceSettings extends HmacSettings {
  /** Header holding the sender's event id (the dedupe key), e.g. `x-event-id`. */
  eventIdHeader?: string;
  /** Dotted path of the event id in a JSON body; without either, the body's SHA-256 is the id. */
  eventIdPath?: string;
  /** Dotted path of the event type in a JSON body; default type `event`. */
  eventTypePath?: string;
}

export interface GenericSource {
  id: string;
  name: string;
  settings: GenericSourceSettings;
  createdAt: string;
  updatedAt: string;
}

const secretContext = (tenantId: string, id: string) => `webhook-source:${tenantId}:${id}`;

function toSource(r: Record<string, any>): GenericSource {
  return { id: r.id, name: r.name, settings: parseJson(r.settings, {} as GenericSourceSettings), createdAt: toIso(r.created_at)!, updatedAt: toIso(r.updated_at)! };
}

export class GenericSourcesStore {
  constructor(private readonly db: Db, private readonly box: SecretBox) {}

  async create(tenantId: string, name: string, settings: GenericSourceSettings, secret: string): Promise<GenericSource> {
    const now = new Date();
    const id = randomUUID();
    const row = { id, tenant_id: tenantId, name, settings: json(settings), secret: this.box.seal(secret, secretContext(tenantId, id)), created_at: now, updated_at: now };
    await this.db('webhook_sources').insert(row);
    return toSource(row);
  }

  async list(tenantId: string): Promise<GenericSource[]> {
    return (await this.db('webhook_sources').where({ tenant_id: tenantId }).orderBy('name')).map(toSource);
  }

  async get(tenantId: string, id: string): Promise<GenericSource | undefined> {
    const row = await this.db('webhook_sources').where({ tenant_id: tenantId, id }).first();
    return row ? toSource(row) : undefined;
  }

  /** The source with its decrypted secret, for verification. */
  async byName(tenantId: string, name: string): Promise<(GenericSource & { secret: string }) | undefined> {
    const row = await this.db('webhook_sources').where({ tenant_id: tenantId, name }).first();
    if (!row) return undefined;
    return { ...toSource(row), secret: this.box.open(row.secret, secretContext(tenantId, row.id)) };
  }

  async remove(tenantId: string, id: string): Promise<boolean> {
    return (await this.db('webhook_sources').where({ tenant_id: tenantId, id }).delete()) > 0;
  }
}

type Parsed = { data: Record<string, unknown> } | { malformed: string };

function parseBody(request: RawWebhookRequest): Parsed {
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const text = request.body.toString('utf8');
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      const value: unknown = JSON.parse(text);
      if (value && typeof value === 'object' && !Array.isArray(value)) return { data: value as Record<string, unknown> };
      return { data: { items: value } };
    } catch {
      return { malformed: 'body is not valid JSON' };
    }
  }
  if (type === 'application/x-www-form-urlencoded') return { data: Object.fromEntries(new URLSearchParams(text)) };
  return { data: { text } };
}

/** verify and normalize get the same request object: the body is parsed once. */
const genericBody = new ParseOnce(parseBody);

const TYPE_PART = /[^A-Za-z0-9_.]/g;

/** Verification and normalization for one generic source. */
export function genericVerify(source: GenericSource & { secret: string }, request: RawWebhookRequest): VerifyResult {
  const parsed = genericBody.get(request);
  if ('malformed' in parsed) return { ok: false, reason: parsed.malformed, malformed: true };
  const verdict = verifyHmac(source.settings, source.secret, request.headers, request.body);
  if (verdict.ok) return { ok: true };
  return { ok: false, reason: verdict.reason, missing: verdict.reason === 'missing_signature' };
}

export function genericNormalize(source: GenericSource, request: RawWebhookRequest): NormalizedEvent[] {
  const parsed = genericBody.get(request);
  if ('malformed' in parsed) throw new Error(parsed.malformed);
  const s = source.settings;
  const fromHeader = s.eventIdHeader ? request.headers[s.eventIdHeader] : undefined;
  const fromBody = s.eventIdPath ? valueAt(parsed.data, s.eventIdPath) : undefined;
  const id = fromHeader || (typeof fromBody === 'string' || typeof fromBody === 'number' ? String(fromBody) : '')
    || `sha256:${createHash('sha256').update(request.body).digest('hex')}`;
  const rawType = s.eventTypePath ? valueAt(parsed.data, s.eventTypePath) : undefined;
  const type = (typeof rawType === 'string' && rawType ? rawType : 'event').replace(TYPE_PART, '_').slice(0, 60);
  return [{ type: `generic.${source.name}.${type}`, providerEventId: id, data: parsed.data }];
}
