/**
 * Digistore24 IPN: a form POST signed with `sha_sign` (SHA-512 over the sorted,
 * non-empty parameters, each followed by the passphrase; uppercase hex). The
 * provider expects the plain text `OK`; its endpoint check is a `GET` that must
 * answer 200. Unknown events with a valid signature are accepted and stored but
 * move no money. Facts: ../shared/reference/digistore24.md sections 1-4.
 */
import { createHash } from 'node:crypto';
import type { LedgerEntry, NormalizedEvent, RawWebhookRequest, VerifyResult, WebhookDefinition } from '../../core/sdk/index.js';
import { sameLengthEqual } from '../../webhooks/verify/constant-time.js';
import { ParseOnce } from '../../webhooks/verify/parse-once.js';

export interface Digistore24WebhookCredentials {
  /** The "SHA passphrase" set on the IPN connection in the Digistore24 account. */
  ipnPassphrase?: string;
}

const isSignatureKey = (k: string) => k.length <= 8 && (k.toLowerCase() === 'sha_sign' || k.toLowerCase() === 'shasign');
const byKey = (a: [string, string], b: [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** Digistore24 IPN signature: SHA-512, uppercase hex (reference section 2). */
export function ds24Signature(fields: Record<string, string>, passphrase: string, upperKeys = false): string {
  const pairs: Array<[string, string]> = [];
  for (const k in fields) {
    const v = fields[k];
    if (v !== '' && !isSignatureKey(k)) pairs.push([upperKeys ? k.toUpperCase() : k, v]);
  }
  // Plain code-unit order, like PHP's SORT_STRING for the ASCII keys Digistore24 sends.
  pairs.sort(byKey);
  // One string, hashed in one call: each update() is a call into the crypto binding.
  let material = '';
  for (const [k, v] of pairs) material += `${k}=${v}${passphrase}`;
  return createHash('sha512').update(material, 'utf8').digest('hex').toUpperCase();
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;

/** Parses the form body, or returns a reason when it is not a well-formed form. */
export function parseIpnForm(request: RawWebhookRequest): { fields: Record<string, string> } | { malformed: string } {
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type && type !== 'application/x-www-form-urlencoded') return { malformed: 'expected application/x-www-form-urlencoded' };
  let text: string;
  try {
    text = utf8.decode(request.body);
  } catch {
    return { malformed: 'body is not UTF-8' };
  }
  if (text.trim() === '') return { malformed: 'empty body' };
  if (BAD_PERCENT.test(text)) return { malformed: 'invalid percent-encoding' };
  const fields: Record<string, string> = Object.create(null);
  for (const [k, v] of new URLSearchParams(text)) fields[k] = v;
  return { fields };
}

/** Verifies `sha_sign` (original key case first, then the uppercase-key variant), fail-closed. */
export function ds24Verify(fields: Record<string, string>, passphrase: string | undefined): VerifyResult {
  if (!passphrase) return { ok: false, reason: 'no passphrase configured' };
  const got = (fields.sha_sign ?? fields.SHASIGN ?? '').toUpperCase();
  if (!got) return { ok: false, reason: 'sha_sign missing', missing: true };
  if (!/^[0-9A-F]{128}$/.test(got)) return { ok: false, reason: 'sha_sign is not a SHA-512 hex digest' };
  // The uppercase-key variant is only computed when the original-case one fails
  // (the answer reveals success anyway, so the short cut leaks nothing). Both
  // sides are 128 hex digits here, so the length compared is public.
  if (sameLengthEqual(ds24Signature(fields, passphrase, false), got) || sameLengthEqual(ds24Signature(fields, passphrase, true), got)) return { ok: true };
  return { ok: false, reason: 'sha_sign does not match' };
}

const eventTypes: Record<string, string> = {
  on_payment: 'payment',
  on_refund: 'refund',
  on_chargeback: 'chargeback',
  on_payment_missed: 'payment_missed',
  payment_denial: 'payment_denial',
  on_rebill_cancelled: 'rebill_cancelled',
  on_rebill_resumed: 'rebill_resumed',
  last_paid_day: 'last_paid_day',
  on_affiliation: 'affiliation',
  eticket: 'eticket',
  custom_form: 'custom_form',
  connection_test: 'connection_test',
};

/** `YYYY-MM-DD` + `HH:MM:SS` as ISO 8601; the account time zone is not stated, UTC is assumed. */
function occurredAt(f: Record<string, string>): string | undefined {
  const date = f.transaction_date || f.order_date;
  const time = f.transaction_time || f.order_time || '00:00:00';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date ?? '') || !/^\d{2}:\d{2}:\d{2}$/.test(time)) return undefined;
  const iso = `${date}T${time}Z`;
  return Number.isNaN(Date.parse(iso)) ? undefined : iso;
}

/**
 * The site reference from the buy link's `custom` value: a `site:<ref>` (or
 * `s:<ref>`) segment among `;`-separated parts, else the whole value; then the
 * tracking key.
 */
export function siteRefFrom(f: Record<string, string>): string | undefined {
  const custom = f.custom ?? '';
  for (const part of custom.split(';')) {
    const m = /^(?:site|s):(.+)$/.exec(part.trim());
    if (m) return m[1];
  }
  return custom || f.trackingkey || undefined;
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

function ledgerFor(event: string, f: Record<string, string>): LedgerEntry | undefined {
  const kindByEvent: Record<string, LedgerEntry['kind']> = {
    on_payment: Number(f.pay_sequence_no) >= 2 ? 'rebill' : 'sale',
    on_refund: 'refund',
    on_chargeback: 'chargeback',
    on_payment_missed: 'missed_payment',
  };
  const kind = kindByEvent[event];
  if (!kind || (!f.transaction_id && !f.order_id)) return undefined;
  const amount = f.amount || f.transaction_amount || '0';
  return {
    kind,
    transactionId: f.transaction_id || `${f.order_id}:${event}:${f.pay_sequence_no ?? ''}`,
    orderId: f.order_id || undefined,
    reversesTransactionId: kind === 'refund' || kind === 'chargeback' ? f.parent_transaction_id || undefined : undefined,
    amount: DECIMAL.test(amount) ? amount.replace(/^-/, '') : '0',
    currency: (f.currency || f.transaction_currency || 'EUR').toUpperCase().slice(0, 3),
    siteRef: siteRefFrom(f),
    occurredAt: occurredAt(f),
  };
}

export function normalizeIpn(fields: Record<string, string>, rawBody: Buffer): NormalizedEvent {
  const event = fields.event ?? '';
  const known = eventTypes[event];
  const name = known ?? (event.replace(/[^a-z0-9_]/gi, '').toLowerCase().slice(0, 60) || 'unknown');
  // A plain copy without the signature (fields has no prototype, so a `__proto__` field is just data).
  const data: Record<string, unknown> = Object.create(null);
  for (const k in fields) if (k !== 'sha_sign' && k !== 'SHASIGN') data[k] = fields[k];
  if (!known) data.unknownEvent = true;
  // Digistore24 keys idempotency on (order_id, event, transaction_id); events without
  // them (connection_test) are keyed on the body, so an identical resend is a duplicate.
  const providerEventId = fields.transaction_id || fields.order_id
    ? `${event}:${fields.order_id ?? ''}:${fields.transaction_id ?? ''}`
    : `${event}:sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
  return {
    type: `digistore24.${name}`,
    providerEventId,
    occurredAt: occurredAt(fields),
    data,
    ledger: ledgerFor(event, fields),
  };
}

/** verify and normalize share one parse of the form per request. */
const ipnForm = new ParseOnce(parseIpnForm);

export const digistore24Webhook: WebhookDefinition<Record<string, unknown>, Digistore24WebhookCredentials> = {
  methods: ['POST'],
  handshake(request) {
    // Endpoint validation when the IPN URL is registered: 200, no redirect.
    return request.method === 'GET' || request.method === 'HEAD' ? { status: 200, contentType: 'text/plain', body: 'OK' } : undefined;
  },
  verify(request, ctx) {
    const parsed = ipnForm.get(request);
    if ('malformed' in parsed) return { ok: false, reason: parsed.malformed, malformed: true };
    return ds24Verify(parsed.fields, ctx.credentials?.ipnPassphrase);
  },
  normalize(request) {
    const parsed = ipnForm.get(request);
    if ('malformed' in parsed) throw new Error(parsed.malformed);
    return [normalizeIpn(parsed.fields, request.body)];
  },
  reply() {
    return { status: 200, contentType: 'text/plain', body: 'OK' };
  },
};

export default digistore24Webhook;
