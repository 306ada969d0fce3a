/**
 * SendGrid signed Event Webhook: a JSON array of events, signed with ECDSA
 * P-256/SHA-256 over `timestamp + raw body`; the public key is the base64 DER
 * SubjectPublicKeyInfo shown in the SendGrid account. SendGrid documents no
 * timestamp window, so ours (default 300 s, config `webhookToleranceSeconds`)
 * limits replays. Facts: ../shared/reference/sendgrid.md sections 2-3.
 */
import { createHash, createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import type { NormalizedEvent, RawWebhookRequest, VerifyResult, WebhookDefinition } from '../../core/sdk/index.js';
import { ParseOnce } from '../../webhooks/verify/parse-once.js';

export interface SendgridWebhookCredentials {
  /** "Verification key" of the signed Event Webhook: base64 DER SPKI, no PEM lines. */
  webhookPublicKey?: string;
}

export interface SendgridWebhookConfig {
  webhookToleranceSeconds?: number;
}

export const SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
export const TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';

const keyCache = new Map<string, KeyObject | null>();

function publicKey(base64: string): KeyObject | null {
  let key = keyCache.get(base64);
  if (key === undefined) {
    try {
      key = createPublicKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'spki' });
    } catch {
      key = null;
    }
    if (keyCache.size > 1000) keyCache.clear();
    keyCache.set(base64, key);
  }
  return key;
}

/** Pure check of one signed request (reference section 3). */
export function verifySendgridSignature(
  publicKeyB64: string | undefined,
  headers: Record<string, string | undefined>,
  rawBody: Buffer,
  toleranceSeconds = 300,
  nowSeconds = Math.floor(Date.now() / 1000),
): VerifyResult {
  if (!publicKeyB64) return { ok: false, reason: 'no verification key configured' };
  const signature = headers[SIGNATURE_HEADER];
  const timestamp = headers[TIMESTAMP_HEADER];
  if (!signature || !timestamp) return { ok: false, reason: 'signature or timestamp header missing', missing: true };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'timestamp is not Unix seconds' };
  if (Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) return { ok: false, reason: 'timestamp outside the tolerance window' };
  const key = publicKey(publicKeyB64);
  if (!key) return { ok: false, reason: 'verification key is not a DER/SPKI public key' };
  let valid = false;
  try {
    valid = verifySignature('sha256', Buffer.concat([Buffer.from(timestamp, 'utf8'), rawBody]), key, Buffer.from(signature, 'base64'));
  } catch {
    valid = false;
  }
  return valid ? { ok: true } : { ok: false, reason: 'signature does not match' };
}

function parseEvents(body: Buffer): Array<Record<string, unknown>> | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (!Array.isArray(parsed)) return undefined;
    return parsed.filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null && !Array.isArray(e));
  } catch {
    return undefined;
  }
}

/** verify and normalize share one parse of the body per request. */
const sendgridEvents = new ParseOnce((request) => parseEvents(request.body));

export const sendgridWebhook: WebhookDefinition<SendgridWebhookConfig, SendgridWebhookCredentials> = {
  methods: ['POST'],
  verify(request: RawWebhookRequest, ctx) {
    const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json' || !sendgridEvents.get(request)) return { ok: false, reason: 'expected a JSON array of events', malformed: true };
    const tolerance = Number(ctx.config?.webhookToleranceSeconds) > 0 ? Number(ctx.config.webhookToleranceSeconds) : 300;
    return verifySendgridSignature(ctx.credentials?.webhookPublicKey, request.headers, request.body, tolerance);
  },
  normalize(request) {
    const events = sendgridEvents.get(request) ?? [];
    return events.map((e): NormalizedEvent => {
      const name = String(e.event ?? 'unknown').replace(/[^a-z0-9_]/gi, '').toLowerCase().slice(0, 60) || 'unknown';
      const id = typeof e.sg_event_id === 'string' && e.sg_event_id
        ? e.sg_event_id.slice(0, 200)
        : `sha256:${createHash('sha256').update(JSON.stringify(e)).digest('hex')}`;
      const ts = Number(e.timestamp);
      return {
        type: `sendgrid.${name}`,
        providerEventId: id,
        occurredAt: Number.isFinite(ts) && ts > 0 ? new Date(ts * 1000).toISOString() : undefined,
        data: e,
      };
    });
  },
};

export default sendgridWebhook;
