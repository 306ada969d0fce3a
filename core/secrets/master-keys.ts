/**
 * The keyring a process uses: MASTER_KEYS when set; otherwise (embedded mode)
 * one key generated on first start and kept in DATA_DIR like the JWT secret,
 * so a restarted hub and its workers on the same DATA_DIR can still decrypt.
 */
import type { Config } from '../config.js';
import { generatedSecret } from '../generated-secrets.js';
import { keyringOf, parseMasterKeys, type Keyring } from './keyring.js';

export const GENERATED_KEY_ID = 'generated';

export function keyringFromConfig(config: Pick<Config, 'masterKeys' | 'dataDir'>): Keyring {
  if (config.masterKeys) return parseMasterKeys(config.masterKeys);
  const key = Buffer.from(generatedSecret(config.dataDir, 'masterKey', 32), 'base64url');
  return keyringOf([{ kid: GENERATED_KEY_ID, key }]);
}
