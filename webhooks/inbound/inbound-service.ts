/**
 * Handles one inbound webhook request: resolve tenant and connector, answer a
 * provider handshake, read the raw body (size-capped: 413, nothing stored),
 * let the connector verify the untouched bytes and headers, normalize, store
 * request + events + outbox rows in one transaction, and only then answer the
 * way the provider expects. Rejections are counted and kept in a bounded audit
 * ring; nothing a caller sends can make this throw anything but a HubError.
 */
import type { Context } from 'koa';
import { Counter, type Registry } from 'prom-client';
import { HubError, isHubError } from '../../core/errors.js';
import { readRawBody } from '../../core/http/body.js';
import type { RouteResult } from '../../core/http/route.js';
import type { NormalizedEvent, RawWebhookRequest, VerifyResult } from '../../core/sdk/index.js';
import type { InboxWriter, IngestResult } from '../store/inbox-writer.js';
import type { RejectionLog } from '../store/rejection-log.js';
import type { SourceResolver } from './source-resolver.js';

/** Headers never stored: they would be credentials of some other system. */
const unstored = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key']);

export function rawRequest(ctx: Context, body: Buffer): RawWebhookRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.headers)) {
    if (v === undefined) continue;
    headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.query)) {
    if (v === undefined) continue;
    query[k] = Array.isArray(v) ? v[0] : v;
  }
  return { method: ctx.method, headers, query, body };
}

export function storableHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !unstored.has(k)));
}

export interface InboundDeps {
  resolver: SourceResolver;
  writer: InboxWriter;
  rejections: RejectionLog;
  metrics: Registry;
  bodyLimitBytes: number;
}

function counter(metrics: Registry): Counter<'connector' | 'outcome'> {
  const name = 'switchyard_webhook_requests_total';
  const existing = metrics.getSingleMetric(name) as Counter<'connector' | 'outcome'> | undefined;
  return existing ?? new Counter({ name, help: 'Inbound webhook requests by connector and outcome', labelNames: ['connector', 'outcome'], registers: [metrics] });
}

export class InboundService {
  private readonly requests: Counter<'connector' | 'outcome'>;

  constructor(private readonly deps: InboundDeps) {
    this.requests = counter(deps.metrics);
  }

  async handle(ctx: Context, params: { tenant: string; connector: string; source?: string }): Promise<RouteResult> {
    const resolved = await this.deps.resolver.resolve(params.tenant, params.connector, params.source);
    if (!resolved) throw new HubError('HUB_ERR_WEBHOOK_UNKNOWN_SOURCE');
    const { webhook } = resolved;
    const methods = webhook.methods ?? ['POST'];
    if (!methods.includes(ctx.method)) {
      const reply = webhook.handshake?.(rawRequest(ctx, Buffer.alloc(0)));
      if (reply) return { status: reply.status, body: reply.body, headers: { 'content-type': reply.contentType ?? 'text/plain; charset=utf-8' } };
      throw new HubError('HUB_ERR_HTTP_METHOD_NOT_ALLOWED', { headers: { Allow: methods.join(', ') } });
    }

    const body = ctx.method === 'GET' || ctx.method === 'HEAD' ? Buffer.alloc(0) : await readRawBody(ctx, this.deps.bodyLimitBytes);
    const raw = rawRequest(ctx, body);

    let verdict: VerifyResult;
    try {
      verdict = await webhook.verify(raw, resolved.ctx);
    } catch (err) {
      // A verifier that throws on hostile input counts as a rejection, not a crash.
      verdict = { ok: false, reason: `verifier failed: ${(err as Error).message}`.slice(0, 200) };
    }
    if (!verdict.ok) {
      if (verdict.malformed) {
        this.requests.inc({ connector: resolved.connector, outcome: 'malformed' });
        throw new HubError('HUB_ERR_WEBHOOK_MALFORMED', { message: `The webhook request could not be parsed: ${verdict.reason}` });
      }
      this.requests.inc({ connector: resolved.connector, outcome: 'rejected' });
      await this.deps.rejections.record({
        tenantId: resolved.tenantId, connector: resolved.connector, source: resolved.source, reason: verdict.reason,
        remoteIp: ctx.ip ?? '', method: ctx.method, headers: storableHeaders(raw.headers), body,
      }).catch((err) => ctx.state.log?.warn({ err: (err as Error).message }, 'could not record a rejected webhook'));
      // The reason stays in the audit record; the caller only learns that it failed.
      throw new HubError(verdict.missing ? 'HUB_ERR_WEBHOOK_SIGNATURE_MISSING' : 'HUB_ERR_WEBHOOK_SIGNATURE_INVALID');
    }

    let events: NormalizedEvent[];
    try {
      events = await webhook.normalize(raw, resolved.ctx);
    } catch (err) {
      this.requests.inc({ connector: resolved.connector, outcome: 'malformed' });
      throw new HubError('HUB_ERR_WEBHOOK_MALFORMED', { message: 'The verified webhook could not be normalized', cause: err });
    }

    let result: IngestResult;
    try {
      result = await this.deps.writer.write({
        tenantId: resolved.tenantId, connector: resolved.connector, source: resolved.source, method: raw.method,
        headers: storableHeaders(raw.headers), query: raw.query, body, events,
      });
    } catch (err) {
      // Not stored means not acknowledged: the provider retries later.
      if (isHubError(err)) throw err;
      throw new HubError('HUB_ERR_DEPENDENCY_DOWN', { message: 'The webhook could not be stored; retry later', cause: err, headers: { 'Retry-After': '30' } });
    }
    this.requests.inc({ connector: resolved.connector, outcome: result.outcome });
    const headers: Record<string, string> = { 'x-webhook-request-id': result.requestId };
    const reply = webhook.reply?.(events);
    if (reply) return { status: reply.status, body: reply.body, headers: { ...headers, 'content-type': reply.contentType ?? 'text/plain; charset=utf-8' } };
    return {
      status: 200,
      headers,
      body: { requestId: result.requestId, outcome: result.outcome, events: result.events.map((e) => ({ id: e.id, type: e.type, duplicate: e.duplicate })) },
    };
  }
}
