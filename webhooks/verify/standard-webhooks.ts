/**
 * Standard Webhooks (v1, symmetric): signs our outbound deliveries and verifies
 * signatures (used by tests and by anyone embedding the hub's receiver logic).
 * Signed content is `${id}.${timestamp}.${body}`, HMAC-SHA256, base64; the key is
 * the base64-decoded part after `whsec_`. See ../shared/reference/standard-webhooks.md.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { safeEqual } from './constant-time.js';

const PREFIX = 'whsec_';

/** A new endpoint secret: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

/** True for `whsec_<base64 of 24..64 bytes>`. */
export function isValidWebhookSecret(secret: string): boolean {
  if (!secret.startsWith(PREFIX)) return false;
  const b64 = secret.slice(PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return false;
  const bytes = Buffer.from(b64, 'base64').length;
  return bytes >= 24 && bytes <= 64;
}

function keyFrom(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

/** The `v1,<base64>` entry for one secret. */
export function signStandardWebhook(secret: string, id: string, timestampSeconds: number, body: string | Buffer): string {
  const mac = createHmac('sha256', keyFrom(secret));
  mac.update(`${id}.${timestampSeconds}.`);
  mac.update(body);
  return `v1,${mac.digest('base64')}`;
}

/** The three headers for one attempt; several secrets (rotation) give space-separated entries. */
export function standardWebhookHeaders(secrets: string[], id: string, timestampSeconds: number, body: string | Buffer): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets.map((s) => signStandardWebhook(s, id, timestampSeconds, body)).join(' '),
  };
}

/** Receiver-side check: all headers present, timestamp within tolerance, any v1 entry matching. */
export function verifyStandardWebhook(
  secret: string,
  headers: Record<string, string | undefined>,
  body: string | Buffer,
  nowSeconds = Math.floor(Date.now() / 1000),
  toleranceSeconds = 300,
): boolean {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const sigs = headers['webhook-signature'];
  if (!id || !ts || !sigs || !/^\d+$/.test(ts)) return false;
  if (Math.abs(nowSeconds - Number(ts)) > toleranceSeconds) return false;
  const expected = signStandardWebhook(secret, id, Number(ts), body);
  let match = false;
  for (const entry of sigs.split(' ')) {
    if (entry.startsWith('v1,') && safeEqual(entry, expected)) match = true;
  }
  return match;
}
