/** API keys of the caller's tenant: list, create (shown once), revoke. */
import type { Db } from '../../db/knex.js';
import { ApiKeysRepo, type ApiKeyRecord } from '../../db/repos/api-keys-repo.js';
import { createApiKey, type ApiKeyVerifier } from '../../auth/api-keys.js';
import { scopeSchema } from '../../auth/scopes.js';
import { HubError } from '../../errors.js';
import { common, defineRoute, type RouteSpec } from '../route.js';

const keySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    prefix: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
    createdAt: { type: 'string', format: 'date-time' },
    revokedAt: { type: ['string', 'null'], format: 'date-time' },
  },
  required: ['id', 'name', 'prefix', 'scopes', 'createdAt', 'revokedAt'],
};

function publicKey(record: ApiKeyRecord) {
  const { tenantId: _tenant, ...rest } = record;
  return rest;
}

export function keysRoutes(deps: { db: Db; apiKeys: ApiKeyVerifier }): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET', path: '/keys', operationId: 'listKeys', tag: 'keys', auth: { scope: 'keys:read' },
      summary: 'List the tenant\'s API keys (never the keys themselves)',
      responses: { 200: { description: 'Keys', schema: { type: 'object', properties: { items: { type: 'array', items: keySchema } } } } },
      handler: async ({ principal }) => ({ body: { items: (await new ApiKeysRepo(deps.db).listForTenant(principal.tenantId)).map(publicKey) } }),
    }),
    defineRoute<{ name: string; scopes: string[] }>({
      method: 'POST', path: '/keys', operationId: 'createKey', tag: 'keys', auth: { scope: 'keys:write' },
      summary: 'Create an API key; the key is in this response only',
      body: {
        type: 'object',
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 200 },
          scopes: { type: 'array', items: scopeSchema, minItems: 1, maxItems: 32, uniqueItems: true },
        },
        required: ['name', 'scopes'],
        additionalProperties: false,
      },
      responses: { 201: { description: 'Created', schema: { ...keySchema, properties: { ...keySchema.properties, key: { type: 'string' } } } } },
      handler: async ({ body, principal }) => {
        // A key cannot hand out more than its creator holds.
        const excess = body.scopes.filter((s) => !principal.scopes.has('*') && !principal.scopes.has(s));
        if (excess.length > 0) throw new HubError('HUB_ERR_AUTH_SCOPE', { message: `You do not hold: ${excess.join(', ')}`, details: { scopes: excess } });
        const { record, key } = await createApiKey(deps.db, principal.tenantId, body.name, body.scopes);
        return { status: 201, body: { ...publicKey(record), key } };
      },
    }),
    defineRoute<unknown, unknown, { id: string }>({
      method: 'DELETE', path: '/keys/:id', operationId: 'revokeKey', tag: 'keys', auth: { scope: 'keys:write' },
      summary: 'Revoke an API key',
      params: common.idParams,
      responses: { 204: { description: 'Revoked' } },
      handler: async ({ params, principal }) => {
        const repo = new ApiKeysRepo(deps.db);
        const existing = await repo.findForTenant(principal.tenantId, params.id);
        if (!existing || existing.revokedAt) throw new HubError('HUB_ERR_NOT_FOUND', { message: 'No such active key' });
        await repo.revoke(principal.tenantId, params.id);
        deps.apiKeys.forget();
        return { status: 204 };
      },
    }),
  ];
}
