/** Helpers shared by the plugin tests: fixture paths and a hub with test plugins loaded. */
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { repoRoot } from '../support/processes.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import type { TestDatabase } from '../support/databases.js';

export const fixturesDir = path.join(repoRoot, 'test', 'fixtures', 'plugins');

export function fixture(name: string): string {
  return path.join(fixturesDir, `${name}.ts`);
}

export const builtinIds = {
  agents: ['opportunity-scanner', 'content-generator', 'website-builder', 'seo-optimizer', 'monetization'],
  connectors: ['awin', 'digistore24', 'sendgrid', 'hetzner', 'cloudflare'],
};

/** A random AES-256 master key entry for MASTER_KEYS. */
export function masterKey(kid: string): string {
  return `${kid}:${randomBytes(32).toString('base64')}`;
}

/** A hub with the well-behaved fixture plugins (test-echo agent, test-vault connector) loaded through PLUGIN_PATHS. */
export function startPluginHub(database: TestDatabase, env: Record<string, string> = {}): Promise<TestHub> {
  return startTestHub(database, { PLUGIN_PATHS: [fixture('echo-agent'), fixture('vault-connector')].join(','), ...env });
}

export async function json(res: Response): Promise<any> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`expected JSON, got ${res.status}: ${text.slice(0, 300)}`);
  }
}
