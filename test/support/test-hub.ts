/**
 * Starts a real hub in-process on a free port against a test database, with
 * helpers to create tenants and keys and to call the API.
 */
import { loadConfig, type Config } from '../../core/config.js';
import { createHub, type Hub } from '../../core/hub.js';
import { createLogger } from '../../core/logger.js';
import { TenantsRepo } from '../../core/db/repos/tenants-repo.js';
import { createApiKey } from '../../core/auth/api-keys.js';
import type { TestDatabase } from './databases.js';

export interface TestHub {
  hub: Hub;
  url: string;
  stop(): Promise<void>;
  /** Creates a tenant and an API key holding `scopes`; returns the tenant id and key. */
  tenant(slug: string, scopes?: string[]): Promise<{ tenantId: string; key: string }>;
  api(path: string, init?: RequestInit & { key?: string; json?: unknown }): Promise<Response>;
}

export async function startTestHub(database: TestDatabase, env: Record<string, string> = {}): Promise<TestHub> {
  const config: Readonly<Config> = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    DATA_DIR: database.dataDir,
    LOG_LEVEL: 'silent',
    JWT_SECRET: 'test-secret-test-secret-test-secret-0123',
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    ...env,
  });
  const hub = createHub(config, { logger: createLogger(config.logLevel), searchPath: database.searchPath });
  const port = await hub.start();
  const url = `http://127.0.0.1:${port}`;
  return {
    hub,
    url,
    stop: () => hub.stop(),
    async tenant(slug, scopes = ['*']) {
      const tenant = await new TenantsRepo(hub.runtime.db).ensure(slug);
      const { key } = await createApiKey(hub.runtime.db, tenant.id, 'test', scopes);
      return { tenantId: tenant.id, key };
    },
    api(path, init = {}) {
      const { key, json, headers, ...rest } = init;
      const h = new Headers(headers);
      if (key) h.set('x-api-key', key);
      if (json !== undefined) h.set('content-type', 'application/json');
      return fetch(url + path, { ...rest, headers: h, body: json !== undefined ? JSON.stringify(json) : rest.body });
    },
  };
}
