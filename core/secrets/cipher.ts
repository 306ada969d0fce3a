/**
 * AES-256-GCM envelopes for secrets at rest. An envelope is
 * `sy1.<kid>.<iv>.<tag>.<ciphertext>` (base64url parts): the key id travels
 * with the ciphertext so a keyring with several keys can decrypt it. The
 * caller's `context` is bound as additional authenticated data, so an
 * envelope copied to another row (another tenant or plugin) fails to decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { HubError } from '../errors.js';
import type { Keyring } from './keyring.js';

const VERSION = 'sy1';
const IV_BYTES = 12;

export interface Envelope {
  kid: string;
  text: string;
}

export function encryptSecret(keyring: Keyring, plaintext: string, context: string): Envelope {
  const { kid, key } = keyring.active;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return { kid, text: [VERSION, kid, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.') };
}

/** The key id an envelope was made with, without decrypting it. */
export function envelopeKeyId(text: string): string | undefined {
  const parts = text.split('.');
  return parts.length === 5 && parts[0] === VERSION ? parts[1] : undefined;
}

export function decryptSecret(keyring: Keyring, text: string, context: string): string {
  const parts = text.split('.');
  if (parts.length !== 5 || parts[0] !== VERSION) {
    throw new HubError('HUB_ERR_SECRETS_UNREADABLE', { message: 'Stored secret has an unknown format' });
  }
  const [, kid, iv, tag, ciphertext] = parts;
  const master = keyring.byId.get(kid);
  if (!master) {
    throw new HubError('HUB_ERR_SECRETS_KEY_UNKNOWN', { message: `Stored secret was encrypted with key "${kid}", which MASTER_KEYS no longer lists`, details: { kid } });
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', master.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch (err) {
    throw new HubError('HUB_ERR_SECRETS_UNREADABLE', { message: `Stored secret failed authentication under key "${kid}"`, cause: err });
  }
}

/** Encrypts a JSON value (e.g. a credentials object). */
export function encryptJson(keyring: Keyring, value: unknown, context: string): Envelope {
  return encryptSecret(keyring, JSON.stringify(value), context);
}

export function decryptJson<T = unknown>(keyring: Keyring, text: string, context: string): T {
  return JSON.parse(decryptSecret(keyring, text, context)) as T;
}
