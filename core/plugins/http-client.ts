/**
 * The HTTP client handed to plugins as ctx.http: per-request timeout, a
 * response size cap, retries on network errors, 429 and 5xx that honour
 * Retry-After, and refusal of private, loopback, link-local and other
 * non-public targets. The address check happens at connection time on the
 * address DNS actually returned (request-filtering-agent hooks the socket's
 * lookup), so a hostname that resolves to 10.0.0.1 is refused as surely as
 * the literal address, and there is no window between check and connect.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import { PluginHttpError } from '../sdk/errors.js';
import type { HttpClient, HttpRequestOptions, HttpResponse } from '../sdk/types.js';

export interface HttpClientOptions {
  /** Default per-attempt timeout. */
  timeoutMs: number;
  /** Addresses or CIDR ranges allowed even though they are private (operator setting PLUGIN_HTTP_ALLOW_ADDRESSES). */
  allowAddresses?: string[];
  /** Default retry count (attempts = retries + 1). */
  retries?: number;
  /** A Retry-After longer than this is not waited for: the 429/503 is returned instead. */
  maxRetryDelayMs?: number;
  maxResponseBytes?: number;
  userAgent?: string;
  /** Injected in tests to observe back-off without waiting. */
  sleep?: (ms: number) => Promise<void>;
}

const idempotentMethods = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);
/** Errors after which the server certainly saw nothing of the request. */
const notSentCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
const retryableNetworkCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_SOCKET']);

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Seconds or an HTTP date, per RFC 9110; undefined when absent or unparseable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function buildUrl(raw: string, query: HttpRequestOptions['query']): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (err) {
    throw new PluginHttpError('HUB_ERR_PLUGIN_HTTP_INVALID', `not a valid URL: ${raw.slice(0, 200)}`, { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PluginHttpError('HUB_ERR_PLUGIN_HTTP_INVALID', `only http and https URLs are allowed, not ${url.protocol}`);
  }
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.append(k, String(v));
  return url;
}

function encodeBody(body: unknown, headers: Record<string, string>): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  return Buffer.from(JSON.stringify(body), 'utf8');
}

/**
 * A URL whose host is an IP literal is checked before any socket exists:
 * the agent checks literals too, but an interceptor (nock in tests, a proxy
 * library in production) may swallow the agent's synthetic error socket.
 * Same rule as the agent: only global unicast, unless listed.
 */
function literalAddressRefused(hostname: string, allow: string[]): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host) === 0) return false;
  let addr = ipaddr.parse(host);
  const allowed = allow.some((entry) => {
    try {
      if (net.isIP(entry) !== 0) return ipaddr.parse(entry).toNormalizedString() === addr.toNormalizedString();
      const [range, bits] = ipaddr.parseCIDR(entry);
      return addr.kind() === range.kind() && addr.match([range, bits] as never);
    } catch {
      return false;
    }
  });
  if (allowed) return false;
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  return addr.range() !== 'unicast';
}

function isBlocked(err: unknown): boolean {
  return /is not allowed\. Because/.test((err as Error)?.message ?? '');
}

interface Attempt {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

class TimeoutSignal extends Error {}

export interface ClosableHttpClient extends HttpClient {
  /** Closes pooled keep-alive sockets (on registry stop). */
  close(): void;
}

export function createHttpClient(options: HttpClientOptions): ClosableHttpClient {
  const filter = { allowPrivateIPAddress: false, allowMetaIPAddress: false, allowIPAddressList: options.allowAddresses ?? [], keepAlive: true };
  const agents = { http: new RequestFilteringHttpAgent(filter), https: new RequestFilteringHttpsAgent(filter) };
  const sleep = options.sleep ?? defaultSleep;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
  const maxBytes = options.maxResponseBytes ?? 10 * 1024 * 1024;

  function once(url: URL, method: string, headers: Record<string, string>, body: Buffer | undefined, timeoutMs: number, signal: AbortSignal | undefined): Promise<Attempt> {
    return new Promise((resolve, reject) => {
      const transport = url.protocol === 'https:' ? https : http;
      const req = transport.request(url, { method, headers, agent: url.protocol === 'https:' ? agents.https : agents.http, signal });
      const timer = setTimeout(() => req.destroy(new TimeoutSignal(`no answer within ${timeoutMs} ms`)), timeoutMs);
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            req.destroy(new PluginHttpError('HUB_ERR_PLUGIN_HTTP_FAILED', `response from ${url.host} exceeds ${maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        res.on('end', () => {
          clearTimeout(timer);
          const flat: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({ status: res.statusCode ?? 0, headers: flat, body: Buffer.concat(chunks) });
        });
      });
      if (body) req.end(body);
      else req.end();
    });
  }

  function decode<T>(attempt: Attempt): HttpResponse<T> {
    const type = attempt.headers['content-type'] ?? '';
    const text = attempt.body.toString('utf8');
    let parsed: unknown = text;
    if (/[/+]json\b/i.test(type) && text.trim() !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text; // a provider sending broken JSON: the caller sees the text
      }
    }
    return { status: attempt.status, headers: attempt.headers, body: parsed as T };
  }

  return {
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
    async request<T = unknown>(rawUrl: string, request: HttpRequestOptions = {}): Promise<HttpResponse<T>> {
      const method = request.method ?? 'GET';
      const url = buildUrl(rawUrl, request.query);
      const headers: Record<string, string> = { 'user-agent': options.userAgent ?? 'switchyard-plugin', accept: 'application/json, */*;q=0.5', ...request.headers };
      const body = encodeBody(request.body, headers);
      const timeoutMs = request.timeoutMs ?? options.timeoutMs;
      const retries = Math.max(0, request.retries ?? options.retries ?? 2);
      const idempotent = request.idempotent ?? idempotentMethods.has(method);
      if (literalAddressRefused(url.hostname, options.allowAddresses ?? [])) {
        throw new PluginHttpError('HUB_ERR_PLUGIN_HTTP_BLOCKED', `refused to connect to ${url.host}: a private, loopback or otherwise non-public address`);
      }

      const abortedByCaller = (signal: AbortSignal) =>
        new PluginHttpError('HUB_ERR_PLUGIN_HTTP_FAILED', `${method} ${url.host}${url.pathname} aborted by the caller`, { retryable: false, cause: signal.reason });
      for (let attempt = 0; ; attempt++) {
        const backoff = Math.min(maxRetryDelayMs, 250 * 2 ** attempt);
        // Also between retries: a backoff may outlast the caller's interest.
        if (request.signal?.aborted) throw abortedByCaller(request.signal);
        let result: Attempt;
        try {
          result = await once(url, method, headers, body, timeoutMs, request.signal);
        } catch (err) {
          if (request.signal?.aborted) throw abortedByCaller(request.signal);
          if (isBlocked(err)) {
            throw new PluginHttpError('HUB_ERR_PLUGIN_HTTP_BLOCKED', `refused to connect to ${url.host}: it resolves to a private, loopback or otherwise non-public address`, { cause: err });
          }
          if (err instanceof PluginHttpError) throw err;
          const code = (err as NodeJS.ErrnoException).code ?? '';
          const timedOut = err instanceof TimeoutSignal;
          const canRetry = attempt < retries && (idempotent ? timedOut || retryableNetworkCodes.has(code) : notSentCodes.has(code));
          if (canRetry) {
            await sleep(backoff);
            continue;
          }
          if (timedOut) throw new PluginHttpError('HUB_ERR_PLUGIN_HTTP_TIMEOUT', `${method} ${url.host}${url.pathname}: ${(err as Error).message}`, { retryable: true, cause: err });
          throw new PluginHttpError('HUB_ERR_PLUGIN_HTTP_FAILED', `${method} ${url.host}${url.pathname} failed: ${code || (err as Error).message}`, { retryable: true, cause: err });
        }
        const retryableStatus = result.status === 429 || (idempotent && result.status >= 500 && result.status <= 599);
        if (retryableStatus && attempt < retries) {
          const asked = parseRetryAfter(result.headers['retry-after']);
          if (asked === undefined || asked <= maxRetryDelayMs) {
            await sleep(asked ?? backoff);
            continue;
          }
        }
        return decode<T>(result);
      }
    },
  };
}
