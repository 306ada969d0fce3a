/** `switchyard keys ...` and `switchyard token`: tenant credentials from the command line. */
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import { withDb } from './with-db.js';
import { TenantsRepo } from '../db/repos/tenants-repo.js';
import { ApiKeysRepo } from '../db/repos/api-keys-repo.js';
import { createApiKey } from '../auth/api-keys.js';
import { configuredJwtKey, signJwt } from '../auth/jwt.js';

async function requireTenant(db: Db, slug: string) {
  const tenant = await new TenantsRepo(db).findBySlug(slug);
  if (!tenant) throw new Error(`no tenant "${slug}"`);
  return tenant;
}

export async function keysCreate(config: Readonly<Config>, o: { tenant: string; scopes: string[]; name: string; json?: boolean }): Promise<void> {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(o.tenant)) throw new Error('a tenant slug is 1-63 lowercase letters, digits and dashes');
  await withDb(config, async (db) => {
    const tenant = await new TenantsRepo(db).ensure(o.tenant);
    const { record, key } = await createApiKey(db, tenant.id, o.name, o.scopes);
    if (o.json) {
      process.stdout.write(`${JSON.stringify({ tenantId: tenant.id, tenant: tenant.slug, id: record.id, prefix: record.prefix, scopes: record.scopes, key })}\n`);
    } else {
      process.stdout.write(`tenant ${tenant.slug} (${tenant.id})\nkey id ${record.id}, scopes ${record.scopes.join(',')}\n\n  ${key}\n\nThis key is shown once; store it now.\n`);
    }
  });
}

export async function keysList(config: Readonly<Config>, o: { tenant: string; json?: boolean }): Promise<void> {
  await withDb(config, async (db) => {
    const tenant = await requireTenant(db, o.tenant);
    const list = await new ApiKeysRepo(db).listForTenant(tenant.id);
    if (o.json) return void process.stdout.write(`${JSON.stringify(list)}\n`);
    for (const k of list) {
      process.stdout.write(`${k.id}  sy_${k.prefix}_…  ${k.name}  ${k.scopes.join(',')}  ${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}\n`);
    }
  });
}

export async function keysRevoke(config: Readonly<Config>, o: { tenant: string; key: string }): Promise<void> {
  await withDb(config, async (db) => {
    const tenant = await requireTenant(db, o.tenant);
    const revoked = await new ApiKeysRepo(db).revoke(tenant.id, o.key);
    if (!revoked) throw new Error(`no active key "${o.key}" for tenant ${o.tenant}`);
    process.stdout.write(`revoked (running hubs stop accepting it within API_KEY_CACHE_MS=${config.apiKeyCacheMs} ms)\n`);
  });
}

export async function tokenCreate(config: Readonly<Config>, o: { tenant: string; scopes: string[]; ttl?: number }): Promise<void> {
  await withDb(config, async (db) => {
    const tenant = await requireTenant(db, o.tenant);
    process.stdout.write(`${signJwt(configuredJwtKey(config), { sub: 'cli', tenant: tenant.id, scopes: o.scopes }, o.ttl ?? config.jwtTtlSeconds)}\n`);
  });
}
