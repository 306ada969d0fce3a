/**
 * Embedded mode must start with no variables set, yet JWTs (and, later,
 * credential encryption) need secrets that survive a restart. When a secret is
 * not configured, one is generated once and kept in DATA_DIR/secrets.json
 * (mode 0600). Production sets the variables instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

type SecretsFile = Record<string, string>;

function readSecrets(file: string): SecretsFile {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as SecretsFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
}

/** Returns the named secret from DATA_DIR, generating and saving it on first use. */
export function generatedSecret(dataDir: string, name: string, bytes = 32): string {
  const file = path.join(dataDir, 'secrets.json');
  const secrets = readSecrets(file);
  if (secrets[name]) return secrets[name];
  fs.mkdirSync(dataDir, { recursive: true });
  secrets[name] = randomBytes(bytes).toString('base64url');
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  fs.renameSync(tmp, file);
  return secrets[name];
}
