/**
 * Generic HMAC verification for sources that sign with a shared secret
 * (n8n, custom scripts, most SaaS webhooks): the signature header, hash
 * algorithm, encoding, optional prefix (`sha256=`), optional timestamp header
 * with a tolerance window, and what exactly is signed are all configurable.
 * A pure function: no I/O, so every case is a table row in the tests.
 */
import { createHmac } from 'node:crypto';
import { safeEqual } from './constant-time.js';

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';
export type SignatureEncoding = 'hex' | 'base64' | 'base64url';

export interface HmacSettings {
  /** Lower-case header carrying the signature, e.g. `x-signature`. */
  signatureHeader: string;
  algorithm: HmacAlgorithm;
  encoding: SignatureEncoding;
  /** Text in front of the signature in the header, e.g. `sha256=` (GitHub style). */
  signaturePrefix?: string;
  /** Lower-case header carrying Unix seconds; when set, the timestamp is required and checked. */
  timestampHeader?: string;
  /** Largest allowed distance between the timestamp and now, in seconds. */
  toleranceSeconds?: number;
  /**
   * What is signed: `{body}` and `{timestamp}` are replaced by the raw body and the
   * timestamp header's value. Default `{body}`, or `{timestamp}.{body}` when a
   * timestamp header is configured.
   */
  signedContent?: string;
}

export type HmacVerdict = { ok: true } | { ok: false; reason: 'missing_signature' | 'missing_timestamp' | 'stale_timestamp' | 'bad_signature' | 'no_secret' };

export const defaultToleranceSeconds = 300;

function signedBytes(settings: HmacSettings, body: Buffer, timestamp: string | undefined): Buffer {
  const template = settings.signedContent ?? (settings.timestampHeader ? '{timestamp}.{body}' : '{body}');
  if (template === '{body}') return body;
  // Split around {body} so the raw bytes are used as received (no re-encoding).
  const [before, after = ''] = template.split('{body}', 2);
  const fill = (s: string) => Buffer.from(s.replaceAll('{timestamp}', timestamp ?? ''), 'utf8');
  return template.includes('{body}') ? Buffer.concat([fill(before), body, fill(after)]) : fill(template);
}

/** Computes the signature text (without prefix) a sender would put in the header. */
export function hmacSign(settings: HmacSettings, secret: string | Buffer, body: Buffer, timestamp?: string): string {
  return createHmac(settings.algorithm, secret).update(signedBytes(settings, body, timestamp)).digest(settings.encoding);
}

/**
 * Checks one request. The header may hold several comma- or space-separated
 * signatures (secret rotation); any match is enough.
 */
export function verifyHmac(
  settings: HmacSettings,
  secret: string | Buffer,
  headers: Record<string, string | undefined>,
  body: Buffer,
  nowSeconds = Math.floor(Date.now() / 1000),
): HmacVerdict {
  if (!secret || secret.length === 0) return { ok: false, reason: 'no_secret' };
  const header = headers[settings.signatureHeader];
  if (!header) return { ok: false, reason: 'missing_signature' };
  let timestamp: string | undefined;
  if (settings.timestampHeader) {
    timestamp = headers[settings.timestampHeader];
    if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'missing_timestamp' };
    const tolerance = settings.toleranceSeconds ?? defaultToleranceSeconds;
    if (Math.abs(nowSeconds - Number(timestamp)) > tolerance) return { ok: false, reason: 'stale_timestamp' };
  }
  const expected = hmacSign(settings, secret, body, timestamp);
  const prefix = settings.signaturePrefix ?? '';
  const candidates = header.split(/[\s,]+/).filter(Boolean);
  let match = false;
  for (const candidate of candidates.slice(0, 8)) {
    if (!candidate.startsWith(prefix)) continue;
    const given = candidate.slice(prefix.length);
    // hex is case-insensitive on the wire; base64 is not.
    const normalized = settings.encoding === 'hex' ? given.toLowerCase() : given;
    if (safeEqual(normalized, expected)) match = true;
  }
  return match ? { ok: true } : { ok: false, reason: 'bad_signature' };
}
