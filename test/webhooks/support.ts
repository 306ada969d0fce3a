/** Helpers for webhook tests: signed Digistore24 IPNs, tenant setup, polling. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { ds24Signature } from '../../connectors/digistore24/webhook.js';
import type { TestHub } from '../support/test-hub.js';

export const echoAgentPath = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/webhooks/wh-echo-agent.ts');
export const PASSPHRASE = 'test-ipn-passphrase-0001';

export function ipnBody(fields: Record<string, string>, passphrase = PASSPHRASE): string {
  return new URLSearchParams({ ...fields, sha_sign: ds24Signature(fields, passphrase) }).toString();
}

export function payment(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    event: 'on_payment', order_id: 'ORD-1001', transaction_id: '5001', product_id: '512345', amount: '49.00', currency: 'EUR',
    pay_sequence_no: '0', transaction_date: '2025-03-10', transaction_time: '10:00:00', affiliate_name: '', buyer_first_name: 'Jörg',
    ...overrides,
  };
}

export function postForm(hub: TestHub, pathname: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(hub.url + pathname, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
}

export async function json<T = any>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  expect(res.status, text).to.equal(status);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Polls until `check` returns a value (not undefined/false) or the time is up. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 15_000, label = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A tenant with Digistore24 credentials, an echo pipeline and a trigger rule on digistore24.payment. */
export async function ds24Tenant(hub: TestHub, slug: string, options: { logDir?: string; ruleType?: string } = {}) {
  const { tenantId, key } = await hub.tenant(slug);
  await json(await hub.api('/api/v1/plugins/digistore24/credentials', { method: 'PUT', key, json: { ipnPassphrase: PASSPHRASE } }), 200);
  const pipeline = await json(await hub.api('/api/v1/pipelines', {
    method: 'POST', key,
    json: { name: 'on sale', stages: [{ name: 'echo', agent: 'wh-echo', task: { capability: 'echo', input: { order: { $ref: 'input.order' }, amount: { $ref: 'input.amount' }, logDir: { $ref: 'input.logDir' } } } }] },
  }), 201);
  const rule = await json(await hub.api('/api/v1/trigger-rules', {
    method: 'POST', key,
    json: {
      name: 'sales start the pipeline', eventType: options.ruleType ?? 'digistore24.payment', pipelineId: pipeline.id,
      inputMapping: { order: '{{data.order_id}}', amount: '{{ledger.amount}}', logDir: options.logDir ?? '' },
    },
  }), 201);
  return { tenantId, key, pipelineId: pipeline.id as string, ruleId: rule.id as string };
}
