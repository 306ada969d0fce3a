/** The inbox API: list and show stored webhook events, replay one, read the rejection log. */
import { randomUUID } from 'node:crypto';
import { HubError } from '../../core/errors.js';
import { decodeUtf8 } from '../../core/http/body.js';
import { common, defineRoute, type RouteSpec } from '../../core/http/route.js';
import type { SourceResolver } from '../inbound/source-resolver.js';
import type { SalesStore } from '../ledger/sales-store.js';
import type { EventsStore } from '../store/events-store.js';
import type { RejectionLog } from '../store/rejection-log.js';

export interface EventsRoutesDeps {
  events: EventsStore;
  sales: SalesStore;
  rejections: RejectionLog;
  resolver: SourceResolver;
  /** Wakes the relay after a replay was queued. */
  nudge(): void;
}

const eventSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' }, type: { type: 'string' }, connector: { type: 'string' }, source: { type: 'string' },
    providerEventId: { type: 'string' }, occurredAt: { type: ['string', 'null'] }, receivedAt: { type: 'string' },
    duplicates: { type: 'integer' }, lastDuplicateAt: { type: ['string', 'null'] }, data: { type: 'object' }, ledger: { type: ['object', 'null'] },
  },
  required: ['id', 'type', 'connector', 'providerEventId', 'receivedAt', 'duplicates', 'data'],
};

function bodyView(body: Buffer): { body: string; bodyEncoding: 'utf8' | 'base64' } {
  try {
    return { body: decodeUtf8(body), bodyEncoding: 'utf8' };
  } catch {
    return { body: body.toString('base64'), bodyEncoding: 'base64' };
  }
}

function publicEvent(e: Record<string, unknown>) {
  const { requestId: _r, siteId: _s, tenantId: _t, ...rest } = e;
  return rest;
}

export function eventsRoutes(deps: EventsRoutesDeps): RouteSpec[] {
  const notFound = () => new HubError('HUB_ERR_NOT_FOUND', { message: 'No such event' });
  return [
    defineRoute<unknown, { type?: string; connector?: string; source?: string; from?: string; to?: string; duplicates?: boolean; limit: number; offset: number }>({
      method: 'GET', path: '/events', operationId: 'listEvents', tag: 'events', auth: { scope: 'events:read' },
      summary: 'List stored webhook events (newest first)',
      query: {
        type: 'object',
        properties: {
          ...common.pageQuery.properties,
          type: { type: 'string', maxLength: 128, description: 'Exact type or a prefix pattern like `digistore24.*`' },
          connector: { type: 'string', maxLength: 64 },
          source: { type: 'string', maxLength: 64 },
          from: { type: 'string', format: 'date-time' },
          to: { type: 'string', format: 'date-time' },
          duplicates: { type: 'boolean', description: 'Only events that were delivered more than once' },
        },
        additionalProperties: false,
      },
      responses: { 200: { description: 'A page of events', schema: { type: 'object', properties: { items: { type: 'array', items: eventSchema }, total: { type: 'integer' } } } } },
      handler: async ({ query, principal }) => {
        const page = await deps.events.list(principal.tenantId, { ...query, duplicatesOnly: query.duplicates });
        return { body: { items: page.items.map((e) => publicEvent(e as unknown as Record<string, unknown>)), total: page.total } };
      },
    }),
    defineRoute<unknown, unknown, { id: string }>({
      method: 'GET', path: '/events/:id', operationId: 'getEvent', tag: 'events', auth: { scope: 'events:read' },
      summary: 'One event: normalized data, the raw request, the sales it recorded and the runs it started',
      params: common.idParams,
      responses: { 200: { description: 'The event', schema: eventSchema } },
      handler: async ({ params, principal }) => {
        const event = await deps.events.get(principal.tenantId, params.id);
        if (!event) throw notFound();
        const [request, runs, sales] = await Promise.all([
          deps.events.request(principal.tenantId, event.requestId),
          deps.events.runs(principal.tenantId, event.id),
          deps.sales.forEvent(principal.tenantId, event.id),
        ]);
        return {
          body: {
            ...publicEvent(event as unknown as Record<string, unknown>),
            request: request && {
              id: request.id, method: request.method, headers: request.headers, query: request.query, outcome: request.outcome,
              receivedAt: request.receivedAt, ...bodyView(request.body),
            },
            sales,
            runs,
          },
        };
      },
    }),
    defineRoute<unknown, unknown, { id: string }>({
      method: 'POST', path: '/events/:id/replay', operationId: 'replayEvent', tag: 'events', auth: { scope: 'events:write' },
      summary: 'Re-verify the stored raw request with the current credentials and fire the trigger rules again',
      params: common.idParams,
      responses: {
        202: { description: 'Verified; the rules are evaluated again (new runs, keyed by the replay id)' },
        409: { description: 'The stored request no longer verifies' },
      },
      handler: async ({ params, principal }) => {
        const event = await deps.events.get(principal.tenantId, params.id);
        if (!event) throw notFound();
        const request = await deps.events.request(principal.tenantId, event.requestId);
        const resolved = await deps.resolver.forTenant(principal.tenantId, event.connector, event.source || undefined);
        if (!request || !resolved) throw new HubError('HUB_ERR_WEBHOOK_REPLAY_REJECTED', { message: 'The connector or source of this event is gone' });
        const raw = { method: request.method, headers: request.headers, query: request.query, body: request.body };
        let verdict;
        try {
          verdict = await resolved.webhook.verify(raw, resolved.ctx);
        } catch (err) {
          verdict = { ok: false as const, reason: (err as Error).message };
        }
        if (!verdict.ok) {
          // Timestamped schemes (SendGrid, generic HMAC with a timestamp) fail here once the window has passed: by design.
          throw new HubError('HUB_ERR_WEBHOOK_REPLAY_REJECTED', { details: { reason: verdict.reason } });
        }
        const replayId = randomUUID();
        await deps.events.enqueueReplay(principal.tenantId, event.id, replayId);
        deps.nudge();
        return { status: 202, body: { eventId: event.id, replayId, verified: true } };
      },
    }),
    defineRoute<unknown, { limit: number }>({
      method: 'GET', path: '/webhook-rejections', operationId: 'listWebhookRejections', tag: 'events', auth: { scope: 'events:read' },
      summary: 'Recently rejected inbound requests (bounded ring, newest first)',
      query: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 } }, additionalProperties: false },
      responses: { 200: { description: 'Rejections' } },
      handler: async ({ query, principal }) => ({ body: { items: await deps.rejections.list(principal.tenantId, query.limit) } }),
    }),
  ];
}
