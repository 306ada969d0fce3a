/**
 * Outbound webhook subscriptions: CRUD, the tenant's outbound settings
 * (allowPrivateTargets opt-in), deliveries with every attempt, and manual
 * redelivery. The signing secret is returned only when the subscription is
 * created.
 */
import { HubError } from '../../core/errors.js';
import { eventReadScope, eventReadScopes, hasScope } from '../../core/auth/scopes.js';
import type { Principal } from '../../core/auth/principal.js';
import { hubEventNames, type HubEventName } from '../../core/events.js';
import { common, defineRoute, type RouteSpec } from '../../core/http/route.js';
import type { DeliveriesStore } from '../outbound/deliveries-store.js';
import type { SubscriptionsStore } from '../outbound/subscriptions-store.js';
import { checkTargetUrl } from '../outbound/target-policy.js';
import { generateWebhookSecret, isValidWebhookSecret } from '../verify/standard-webhooks.js';

const eventTypes = { type: 'array', items: { type: 'string', enum: ['*', ...hubEventNames] }, minItems: 1, maxItems: 50, uniqueItems: true };
const url = { type: 'string', minLength: 8, maxLength: 2048 };
const secret = { type: 'string', minLength: 10, maxLength: 200, description: '`whsec_` + base64 of 24-64 random bytes; generated when omitted' };
const description = { type: 'string', maxLength: 500 };
const subParams = {
  type: 'object',
  properties: { id: common.uuid, deliveryId: { type: 'string', pattern: '^msg_[A-Za-z0-9]{1,60}$' } },
  required: ['id', 'deliveryId'],
  additionalProperties: false,
};

export interface SubscriptionsRoutesDeps {
  subscriptions: SubscriptionsStore;
  deliveries: DeliveriesStore;
  nudge(): void;
}

/**
 * A subscription hands its events' payloads to its URL, and its deliveries
 * keep them: naming an event, or reading deliveries of it, needs the scope
 * that reads the event on the API (`*` needs them all).
 */
function checkEventScopes(principal: Principal, types: string[], doing = 'Subscribing to'): void {
  for (const type of types) {
    const needed = type === '*' ? eventReadScopes : [eventReadScope(type as HubEventName)];
    const missing = needed.find((scope) => !hasScope(principal.scopes, scope));
    if (missing) {
      throw new HubError('HUB_ERR_AUTH_SCOPE', { message: `${doing} ${type} needs the scope ${missing}`, details: { requiredScope: missing } });
    }
  }
}

export function subscriptionsRoutes(deps: SubscriptionsRoutesDeps): RouteSpec[] {
  const { subscriptions, deliveries } = deps;
  const notFound = () => new HubError('HUB_ERR_NOT_FOUND', { message: 'No such subscription' });
  const checkUrl = async (tenantId: string, target: string) => {
    const verdict = checkTargetUrl(target, await subscriptions.allowPrivateTargets(tenantId));
    if (!verdict.ok) throw new HubError('HUB_ERR_WEBHOOK_TARGET_FORBIDDEN', { message: `The URL ${verdict.reason}`, details: [{ path: '/body/url', message: verdict.reason }] });
  };
  const checkSecret = (value: string | undefined) => {
    if (value !== undefined && !isValidWebhookSecret(value)) {
      throw new HubError('HUB_ERR_VALIDATION_FAILED', { message: 'Invalid request: /body/secret must be whsec_ + base64 of 24-64 bytes', details: [{ path: '/body/secret', message: 'must be whsec_ + base64 of 24-64 bytes' }] });
    }
  };

  return [
    defineRoute({
      method: 'GET', path: '/webhook-settings', operationId: 'getWebhookSettings', tag: 'subscriptions', auth: { scope: 'subscriptions:read' },
      summary: 'Outbound webhook settings of the tenant',
      responses: { 200: { description: 'Settings' } },
      handler: async ({ principal }) => ({ body: { allowPrivateTargets: await subscriptions.allowPrivateTargets(principal.tenantId) } }),
    }),
    defineRoute<{ allowPrivateTargets: boolean }>({
      method: 'PUT', path: '/webhook-settings', operationId: 'putWebhookSettings', tag: 'subscriptions', auth: { scope: 'subscriptions:write' },
      summary: 'Opt in (or out) of delivering to loopback and private addresses, e.g. n8n on the same host',
      body: { type: 'object', properties: { allowPrivateTargets: { type: 'boolean' } }, required: ['allowPrivateTargets'], additionalProperties: false },
      responses: { 200: { description: 'Settings' } },
      handler: async ({ body, principal }) => {
        await subscriptions.setAllowPrivateTargets(principal.tenantId, body.allowPrivateTargets);
        return { body: { allowPrivateTargets: body.allowPrivateTargets } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/subscriptions', operationId: 'listSubscriptions', tag: 'subscriptions', auth: { scope: 'subscriptions:read' },
      summary: 'List outbound subscriptions (secrets are never returned)',
      responses: { 200: { description: 'Subscriptions' } },
      handler: async ({ principal }) => ({ body: { items: await subscriptions.list(principal.tenantId) } }),
    }),
    defineRoute<{ url: string; eventTypes: string[]; secret?: string; description?: string }>({
      method: 'POST', path: '/subscriptions', operationId: 'createSubscription', tag: 'subscriptions', auth: { scope: 'subscriptions:write' },
      summary: 'Subscribe a URL to hub events; deliveries are signed per Standard Webhooks with the returned secret',
      body: { type: 'object', properties: { url, eventTypes, secret, description }, required: ['url', 'eventTypes'], additionalProperties: false },
      responses: { 201: { description: 'Created; `secret` appears in this response only' }, 400: { description: 'Invalid, or a private target without the opt-in' } },
      handler: async ({ body, principal }) => {
        checkSecret(body.secret);
        checkEventScopes(principal, body.eventTypes);
        await checkUrl(principal.tenantId, body.url);
        const signingSecret = body.secret ?? generateWebhookSecret();
        const created = await subscriptions.create(principal.tenantId, { url: body.url, eventTypes: body.eventTypes, secret: signingSecret, description: body.description });
        return { status: 201, body: { ...created, secret: signingSecret } };
      },
    }),
    defineRoute<unknown, unknown, { id: string }>({
      method: 'GET', path: '/subscriptions/:id', operationId: 'getSubscription', tag: 'subscriptions', auth: { scope: 'subscriptions:read' },
      summary: 'Get a subscription', params: common.idParams,
      responses: { 200: { description: 'The subscription' } },
      handler: async ({ params, principal }) => {
        const sub = await subscriptions.get(principal.tenantId, params.id);
        if (!sub) throw notFound();
        return { body: sub };
      },
    }),
    defineRoute<{ url?: string; eventTypes?: string[]; secret?: string; description?: string; enabled?: boolean }, unknown, { id: string }>({
      method: 'PATCH', path: '/subscriptions/:id', operationId: 'updateSubscription', tag: 'subscriptions', auth: { scope: 'subscriptions:write' },
      summary: 'Change a subscription (URL, event types, secret, enabled)', params: common.idParams,
      body: { type: 'object', properties: { url, eventTypes, secret, description, enabled: { type: 'boolean' } }, minProperties: 1, additionalProperties: false },
      responses: { 200: { description: 'The changed subscription' } },
      handler: async ({ params, body, principal }) => {
        checkSecret(body.secret);
        const current = await subscriptions.get(principal.tenantId, params.id);
        if (!current) throw notFound();
        // Also when only the URL changes: pointing a subscription elsewhere redirects its events.
        checkEventScopes(principal, body.eventTypes ?? current.eventTypes);
        if (body.url !== undefined) await checkUrl(principal.tenantId, body.url);
        const sub = await subscriptions.update(principal.tenantId, params.id, body);
        if (!sub) throw notFound();
        return { body: sub };
      },
    }),
    defineRoute<unknown, unknown, { id: string }>({
      method: 'DELETE', path: '/subscriptions/:id', operationId: 'deleteSubscription', tag: 'subscriptions', auth: { scope: 'subscriptions:write' },
      summary: 'Delete a subscription and its deliveries', params: common.idParams,
      responses: { 204: { description: 'Deleted' } },
      handler: async ({ params, principal }) => {
        if (!(await subscriptions.remove(principal.tenantId, params.id))) throw notFound();
        return { status: 204 };
      },
    }),
    defineRoute<unknown, { status?: string; limit: number; offset: number }, { id: string }>({
      method: 'GET', path: '/subscriptions/:id/deliveries', operationId: 'listDeliveries', tag: 'subscriptions', auth: { scope: 'subscriptions:read' },
      summary: 'Deliveries of a subscription (pending, succeeded, dead)', params: common.idParams,
      query: { type: 'object', properties: { ...common.pageQuery.properties, status: { type: 'string', enum: ['pending', 'succeeded', 'dead'] } }, additionalProperties: false },
      responses: { 200: { description: 'A page of deliveries' } },
      handler: async ({ params, query, principal }) => {
        const sub = await subscriptions.get(principal.tenantId, params.id);
        if (!sub) throw notFound();
        checkEventScopes(principal, sub.eventTypes, 'Reading deliveries of');
        return { body: await deliveries.list(principal.tenantId, params.id, query) };
      },
    }),
    defineRoute<unknown, unknown, { id: string; deliveryId: string }>({
      method: 'GET', path: '/subscriptions/:id/deliveries/:deliveryId', operationId: 'getDelivery', tag: 'subscriptions', auth: { scope: 'subscriptions:read' },
      summary: 'One delivery with its payload and every attempt (status code, latency, error)', params: subParams,
      responses: { 200: { description: 'The delivery' } },
      handler: async ({ params, principal }) => {
        const sub = await subscriptions.get(principal.tenantId, params.id);
        if (!sub) throw new HubError('HUB_ERR_NOT_FOUND', { message: 'No such delivery' });
        checkEventScopes(principal, sub.eventTypes, 'Reading deliveries of');
        const d = await deliveries.get(principal.tenantId, params.id, params.deliveryId);
        if (!d) throw new HubError('HUB_ERR_NOT_FOUND', { message: 'No such delivery' });
        return { body: d };
      },
    }),
    defineRoute<unknown, unknown, { id: string; deliveryId: string }>({
      method: 'POST', path: '/subscriptions/:id/deliveries/:deliveryId/redeliver', operationId: 'redeliver', tag: 'subscriptions', auth: { scope: 'subscriptions:write' },
      summary: 'Send a delivery again (same webhook-id) with a fresh retry schedule', params: subParams,
      responses: { 202: { description: 'Queued' } },
      handler: async ({ params, principal }) => {
        if (!(await deliveries.redeliver(principal.tenantId, params.id, params.deliveryId))) throw new HubError('HUB_ERR_NOT_FOUND', { message: 'No such delivery' });
        deps.nudge();
        return { status: 202, body: await deliveries.get(principal.tenantId, params.id, params.deliveryId) };
      },
    }),
  ];
}
