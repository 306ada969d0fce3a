/**
 * Connectors parse the body in `verify` and again in `normalize`; the inbound
 * service hands both the same request object, so the second parse is served
 * from this memo. Keyed weakly by the request object (nothing outlives the
 * request) and only reused while the body is the very same Buffer, so a
 * replay or a test that builds a new request always parses afresh.
 */
import type { RawWebhookRequest } from '../../core/sdk/index.js';

export class ParseOnce<T> {
  private readonly memo = new WeakMap<RawWebhookRequest, { body: Buffer; value: T }>();

  constructor(private readonly parse: (request: RawWebhookRequest) => T) {}

  get(request: RawWebhookRequest): T {
    const hit = this.memo.get(request);
    if (hit && hit.body === request.body) return hit.value;
    const value = this.parse(request);
    this.memo.set(request, { body: request.body, value });
    return value;
  }
}
