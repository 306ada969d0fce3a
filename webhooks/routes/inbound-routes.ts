/**
 * The public inbound endpoints, under `/webhooks`:
 *   /webhooks/:tenant/:connector          (connectors: digistore24, awin, sendgrid, …)
 *   /webhooks/:tenant/generic/:source     (generic HMAC sources)
 * Authenticated by the provider's own signature scheme (or AWIN's URL token),
 * never by API keys. See docs/webhooks.md.
 */
import { defineRoute, type RouteSpec } from '../../core/http/route.js';
import type { InboundService } from '../inbound/inbound-service.js';

const segment = { type: 'string', minLength: 1, maxLength: 200 };
const responses = {
  200: { description: 'Stored (or recorded as a duplicate); the body is what the provider expects, e.g. `OK`' },
  401: { description: 'Signature missing' },
  403: { description: 'Signature invalid (recorded in the bounded rejection log)' },
  404: { description: 'Unknown tenant, connector or source' },
  413: { description: 'Body larger than WEBHOOKS_BODY_LIMIT_BYTES; nothing stored' },
  503: { description: 'Storage unavailable; not acknowledged, the provider should retry' },
};

export function inboundRoutes(service: InboundService): RouteSpec[] {
  const routes: RouteSpec[] = [];
  for (const method of ['POST', 'GET'] as const) {
    routes.push(defineRoute<unknown, unknown, { tenant: string; connector: string }>({
      method, path: '/:tenant/:connector', operationId: `receiveWebhook${method === 'GET' ? 'Get' : ''}`, tag: 'webhooks', auth: 'none',
      summary: method === 'POST' ? 'Receive a provider webhook' : 'Provider endpoint check, or a GET notification (AWIN)',
      params: { type: 'object', properties: { tenant: segment, connector: segment }, required: ['tenant', 'connector'] },
      responses,
      handler: ({ ctx, params }) => service.handle(ctx, params),
    }));
    routes.push(defineRoute<unknown, unknown, { tenant: string; connector: string; source: string }>({
      method, path: '/:tenant/:connector/:source', operationId: `receiveSourceWebhook${method === 'GET' ? 'Get' : ''}`, tag: 'webhooks', auth: 'none',
      summary: 'Receive a webhook for a named source (generic HMAC sources)',
      params: { type: 'object', properties: { tenant: segment, connector: segment, source: segment }, required: ['tenant', 'connector', 'source'] },
      responses,
      handler: ({ ctx, params }) => service.handle(ctx, params),
    }));
  }
  return routes;
}
