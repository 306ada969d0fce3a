/**
 * Sends one delivery attempt: POST, no redirects followed (a 3xx is a
 * failure), bounded time, response body read up to a small cap and dropped.
 * Connections go through request-filtering-agent so that resolved addresses in
 * private ranges are refused unless the tenant allowed them.
 */
import http from 'node:http';
import https from 'node:https';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import { parseRetryAfter } from '../../core/plugins/http-client.js';

const agents = {
  strict: { http: new RequestFilteringHttpAgent({ keepAlive: true }), https: new RequestFilteringHttpsAgent({ keepAlive: true }) },
  open: {
    http: new RequestFilteringHttpAgent({ keepAlive: true, allowPrivateIPAddress: true }),
    https: new RequestFilteringHttpsAgent({ keepAlive: true, allowPrivateIPAddress: true }),
  },
};

export interface SendResult {
  statusCode: number | null;
  error: string | null;
  latencyMs: number;
  /** From a Retry-After header, when the receiver sent one. */
  retryAfterMs: number | null;
}

const RESPONSE_CAP = 64 * 1024;

export function send(target: string, body: string, headers: Record<string, string>, options: { timeoutMs: number; allowPrivate: boolean }): Promise<SendResult> {
  const started = process.hrtime.bigint();
  const elapsed = () => Math.round(Number(process.hrtime.bigint() - started) / 1e6);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: Omit<SendResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, latencyMs: elapsed() });
    };
    const url = new URL(target);
    const pool = options.allowPrivate ? agents.open : agents.strict;
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(url, {
      method: 'POST',
      agent: url.protocol === 'https:' ? pool.https : pool.http,
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
    }, (res) => {
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > RESPONSE_CAP) res.destroy();
      });
      const done = () => finish({ statusCode: res.statusCode ?? null, error: null, retryAfterMs: parseRetryAfter(res.headers['retry-after']) ?? null });
      res.on('end', done);
      res.on('close', done);
      res.on('error', done);
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    req.on('error', (err) => finish({ statusCode: null, error: err.message.slice(0, 300), retryAfterMs: null }));
    req.end(body);
  });
}
