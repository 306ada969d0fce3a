/**
 * AWIN transaction notifications. AWIN signs nothing, so the callback URL
 * carries a long random per-tenant token (`?token=…`) compared in constant
 * time. Notifications arrive as GET (placeholders filled into the URL's query)
 * or POST (JSON, or a form). Field names of the POST body are not documented
 * (reference awin.md section 4, uncertain), so several spellings are read.
 * A publisher's revenue is the commission, so the ledger records that.
 */
import type { LedgerEntry, NormalizedEvent, RawWebhookRequest, VerifyResult, WebhookDefinition } from '../../core/sdk/index.js';
import { ParseOnce } from '../../webhooks/verify/parse-once.js';
import { safeEqual } from '../../webhooks/verify/constant-time.js';

export interface AwinWebhookCredentials {
  /** The secret put into the callback URL as `?token=` (at least 24 characters). */
  webhookToken?: string;
}

type Fields = Record<string, unknown>;

function parseBody(request: RawWebhookRequest): { fields: Fields } | { malformed: string } {
  const { token: _t, ...query } = request.query;
  if (request.method !== 'POST' || request.body.length === 0) return { fields: query };
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const text = request.body.toString('utf8');
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { malformed: 'expected a JSON object' };
      return { fields: { ...query, ...(parsed as Fields) } };
    } catch {
      return { malformed: 'body is not valid JSON' };
    }
  }
  if (type === 'application/x-www-form-urlencoded') return { fields: { ...query, ...Object.fromEntries(new URLSearchParams(text)) } };
  return { malformed: 'expected application/json or a form' };
}

function pick(f: Fields, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = f[n];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (v && typeof v === 'object' && 'amount' in (v as Fields)) return pick(v as Fields, 'amount');
  }
  return undefined;
}

function decimal(value: string | undefined): string {
  if (!value || !/^-?\d+(\.\d+)?$/.test(value)) return '0';
  return value.replace(/^-/, '');
}

function clickRef(f: Fields): string | undefined {
  const refs = f.clickRefs;
  if (refs && typeof refs === 'object') {
    const v = (refs as Fields).clickRef;
    if (typeof v === 'string' && v) return v;
  }
  return pick(f, 'clickRef', 'clickref', 'clickRef1');
}

export function normalizeNotification(f: Fields): NormalizedEvent {
  const transactionId = pick(f, 'transactionId', 'transaction_id', 'id') ?? '';
  const status = (pick(f, 'status', 'commissionStatus', 'transactionStatus') ?? 'pending').toLowerCase().replace(/[^a-z_]/g, '') || 'pending';
  const currency = (pick(f, 'currency', 'transactionCurrency', 'commissionCurrency') ?? 'EUR').toUpperCase().slice(0, 3);
  const commission = decimal(pick(f, 'commission', 'commissionAmount'));
  const date = pick(f, 'transactionDate', 'clickTime', 'date');
  const occurredAt = date && !Number.isNaN(Date.parse(date.replace(' ', 'T') + (/(Z|[+-]\d\d:?\d\d)$/.test(date) ? '' : 'Z')))
    ? new Date(date.replace(' ', 'T') + (/(Z|[+-]\d\d:?\d\d)$/.test(date) ? '' : 'Z')).toISOString()
    : undefined;
  let ledger: LedgerEntry | undefined;
  if (transactionId) {
    const reversed = status === 'declined' || status === 'deleted';
    ledger = {
      kind: reversed ? 'refund' : 'sale',
      transactionId: reversed ? `${transactionId}:${status}` : transactionId,
      orderId: transactionId,
      reversesTransactionId: reversed ? transactionId : undefined,
      amount: commission,
      currency,
      siteRef: clickRef(f),
      occurredAt,
    };
  }
  return {
    type: `awin.transaction.${status}`,
    providerEventId: `${transactionId || 'unknown'}:${status}`,
    occurredAt,
    data: { ...f, transactionId, status, saleAmount: decimal(pick(f, 'saleAmount', 'transactionAmount', 'amount')), commission, currency },
    ledger,
  };
}

/** verify and normalize share one parse of the body per request. */
const awinBody = new ParseOnce(parseBody);

export const awinWebhook: WebhookDefinition<Record<string, unknown>, AwinWebhookCredentials> = {
  methods: ['GET', 'POST'],
  verify(request, ctx): VerifyResult {
    const expected = ctx.credentials?.webhookToken;
    if (!expected) return { ok: false, reason: 'no webhook token configured' };
    const given = request.query.token;
    if (!given) return { ok: false, reason: 'token missing', missing: true };
    if (!safeEqual(given, expected)) return { ok: false, reason: 'token does not match' };
    const parsed = awinBody.get(request);
    if ('malformed' in parsed) return { ok: false, reason: parsed.malformed, malformed: true };
    const f = parsed.fields;
    if (!pick(f, 'transactionId', 'transaction_id', 'id')) return { ok: false, reason: 'no transaction id in the notification', malformed: true };
    return { ok: true };
  },
  normalize(request) {
    const parsed = awinBody.get(request);
    if ('malformed' in parsed) throw new Error(parsed.malformed);
    return [normalizeNotification(parsed.fields)];
  },
};

export default awinWebhook;
