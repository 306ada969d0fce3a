/**
 * The master keys that protect stored credentials. MASTER_KEYS is
 * `kid:base64key,kid:base64key,...`: the first key encrypts, every listed key
 * decrypts. Rotation: put the new key first and keep the old one listed until
 * `rekeyCredentials` has re-encrypted every row under the new key.
 */
import { HubError } from '../errors.js';

export interface MasterKey {
  kid: string;
  key: Buffer;
}

export interface Keyring {
  /** The key new ciphertexts are made with. */
  active: MasterKey;
  /** Every key that can still decrypt, by key id. */
  byId: ReadonlyMap<string, MasterKey>;
}

const kidPattern = /^[A-Za-z0-9_-]{1,32}$/;

function invalid(problem: string): HubError {
  // Names the variable and the problem, never a key.
  return new HubError('HUB_ERR_CONFIG_INVALID', { message: `MASTER_KEYS: ${problem}`, expose: false });
}

/** Accepts standard or URL-safe base64; a key must be exactly 32 bytes (AES-256). */
function decodeKey(kid: string, text: string): Buffer {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) throw invalid(`key "${kid}" is not base64`);
  const key = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== 32) throw invalid(`key "${kid}" must decode to 32 bytes, got ${key.length}`);
  return key;
}

/** Parses `kid:base64,...`; throws HUB_ERR_CONFIG_INVALID naming the problem (never a key). */
export function parseMasterKeys(value: string): Keyring {
  const entries = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) throw invalid('no key given');
  const byId = new Map<string, MasterKey>();
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    if (colon <= 0) throw invalid('each entry must be kid:base64key');
    const kid = entry.slice(0, colon);
    if (!kidPattern.test(kid)) throw invalid(`key id "${kid.slice(0, 32)}" must be 1-32 letters, digits, _ or -`);
    if (byId.has(kid)) throw invalid(`key id "${kid}" is listed twice`);
    byId.set(kid, { kid, key: decodeKey(kid, entry.slice(colon + 1)) });
  }
  return { active: byId.get(entries[0].slice(0, entries[0].indexOf(':')))!, byId };
}

/** A keyring from explicit keys (tests and the embedded generated key). */
export function keyringOf(keys: MasterKey[]): Keyring {
  if (keys.length === 0) throw invalid('no key given');
  return { active: keys[0], byId: new Map(keys.map((k) => [k.kid, k])) };
}
