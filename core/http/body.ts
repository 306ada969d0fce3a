/**
 * Reads a request body: size-limited (413), UTF-8 checked (400), JSON only
 * where a route accepts JSON (415), and parsed with secure-json-parse so that
 * `__proto__` and `constructor.prototype` keys are refused rather than merged.
 * The raw bytes are kept for routes that verify signatures over them.
 */
import type { Context } from 'koa';
import getRawBody from 'raw-body';
import { parse as parseContentType } from 'content-type';
import sjson from 'secure-json-parse';
import { HubError } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export async function readRawBody(ctx: Context, limitBytes: number): Promise<Buffer> {
  const declared = Number(ctx.get('content-length'));
  if (Number.isFinite(declared) && declared > limitBytes) {
    // Refuse before reading: the client is told at once and nothing is buffered.
    throw new HubError('HUB_ERR_HTTP_BODY_TOO_LARGE', { details: { limitBytes } });
  }
  try {
    return await getRawBody(ctx.req, { limit: limitBytes });
  } catch (err) {
    const e = err as { type?: string };
    if (e.type === 'entity.too.large') throw new HubError('HUB_ERR_HTTP_BODY_TOO_LARGE', { details: { limitBytes } });
    if (e.type === 'request.aborted') throw new HubError('HUB_ERR_HTTP_MALFORMED_BODY', { message: 'The client aborted the request body', cause: err });
    throw new HubError('HUB_ERR_HTTP_MALFORMED_BODY', { cause: err });
  }
}

export function mediaType(ctx: Context): string | undefined {
  const header = ctx.get('content-type');
  if (!header) return undefined;
  try {
    return parseContentType(header).type;
  } catch {
    return undefined;
  }
}

export function decodeUtf8(raw: Buffer): string {
  try {
    return utf8.decode(raw);
  } catch (err) {
    throw new HubError('HUB_ERR_HTTP_MALFORMED_BODY', { message: 'The request body is not valid UTF-8', cause: err });
  }
}

/** PostgreSQL text cannot hold U+0000, so such strings are refused at the door for both dialects. */
function refuseNul(_key: string, value: unknown): unknown {
  if (typeof value === 'string' && value.includes('\u0000')) {
    throw new HubError('HUB_ERR_HTTP_MALFORMED_BODY', { message: 'Strings must not contain NUL (U+0000) characters' });
  }
  return value;
}

export async function readJsonBody(ctx: Context, limitBytes: number): Promise<unknown> {
  const type = mediaType(ctx);
  if (type !== 'application/json' && !(type?.startsWith('application/') && type.endsWith('+json'))) {
    throw new HubError('HUB_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE', {
      message: 'This route accepts application/json only',
      details: { received: type ?? null },
    });
  }
  const raw = await readRawBody(ctx, limitBytes);
  ctx.state.rawBody = raw;
  const text = decodeUtf8(raw);
  if (text.trim() === '') throw new HubError('HUB_ERR_HTTP_MALFORMED_BODY', { message: 'The request body is empty' });
  try {
    return sjson.parse(text, refuseNul, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    if (err instanceof HubError) throw err;
    const reason = err instanceof SyntaxError ? err.message : 'forbidden prototype key';
    throw new HubError('HUB_ERR_HTTP_MALFORMED_BODY', { message: `The request body is not acceptable JSON: ${reason}`, cause: err });
  }
}
