/** Generic HMAC webhook sources of a tenant (for n8n, scripts and other senders without a connector). */
import { HubError } from '../../core/errors.js';
import { isUniqueViolation } from '../../core/db/knex.js';
import { common, defineRoute, type RouteSpec } from '../../core/http/route.js';
import type { GenericSourceSettings, GenericSourcesStore } from '../generic/generic-sources.js';

const header = { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9-]+$' };
const path = { type: 'string', minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$' };
const settingsSchema = {
  signatureHeader: header,
  algorithm: { type: 'string', enum: ['sha1', 'sha256', 'sha512'] },
  encoding: { type: 'string', enum: ['hex', 'base64', 'base64url'] },
  signaturePrefix: { type: 'string', maxLength: 30 },
  timestampHeader: header,
  toleranceSeconds: { type: 'integer', minimum: 1, maximum: 86400 },
  signedContent: { type: 'string', minLength: 1, maxLength: 100, pattern: '\\{body\\}' },
  eventIdHeader: header,
  eventIdPath: path,
  eventTypePath: path,
};

export function sourcesRoutes(deps: { sources: GenericSourcesStore; forget(): void }): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET', path: '/webhook-sources', operationId: 'listWebhookSources', tag: 'events', auth: { scope: 'events:read' },
      summary: 'List generic HMAC sources (secrets are never returned)',
      responses: { 200: { description: 'Sources' } },
      handler: async ({ principal }) => ({ body: { items: await deps.sources.list(principal.tenantId) } }),
    }),
    defineRoute<GenericSourceSettings & { name: string; secret: string }>({
      method: 'POST', path: '/webhook-sources', operationId: 'createWebhookSource', tag: 'events', auth: { scope: 'events:write' },
      summary: 'Create a generic HMAC source; it receives at /webhooks/:tenant/generic/:name',
      body: {
        type: 'object',
        properties: { name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }, secret: { type: 'string', minLength: 16, maxLength: 500 }, ...settingsSchema },
        required: ['name', 'secret', 'signatureHeader', 'algorithm', 'encoding'],
        additionalProperties: false,
      },
      responses: { 201: { description: 'Created' }, 409: { description: 'Name taken' } },
      handler: async ({ body, principal }) => {
        const { name, secret, ...settings } = body;
        const lower = (h?: string) => (h ? h.toLowerCase() : undefined);
        const normalized: GenericSourceSettings = {
          ...settings,
          signatureHeader: settings.signatureHeader.toLowerCase(),
          timestampHeader: lower(settings.timestampHeader),
          eventIdHeader: lower(settings.eventIdHeader),
        };
        try {
          const created = await deps.sources.create(principal.tenantId, name, normalized, secret);
          deps.forget();
          return { status: 201, body: created };
        } catch (err) {
          if (isUniqueViolation(err)) throw new HubError('HUB_ERR_CONFLICT', { message: 'A source with this name exists already' });
          throw err;
        }
      },
    }),
    defineRoute<unknown, unknown, { id: string }>({
      method: 'DELETE', path: '/webhook-sources/:id', operationId: 'deleteWebhookSource', tag: 'events', auth: { scope: 'events:write' },
      summary: 'Delete a generic source', params: common.idParams,
      responses: { 204: { description: 'Deleted' } },
      handler: async ({ params, principal }) => {
        if (!(await deps.sources.remove(principal.tenantId, params.id))) throw new HubError('HUB_ERR_NOT_FOUND', { message: 'No such source' });
        deps.forget();
        return { status: 204 };
      },
    }),
  ];
}
