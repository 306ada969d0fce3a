/** `?wait=30s` long polling shared by run routes: parsing and noticing a client that went away. */
import type { Context } from 'koa';

export const maxWaitMs = 60_000;

export const waitQuery = {
  type: 'object',
  properties: { wait: { type: 'string', pattern: '^(0|[1-9][0-9]{0,5})(ms|s)?$', description: `Long poll: wait up to this long (e.g. 30s, 500ms; at most ${maxWaitMs / 1000}s) for the run to finish` } },
  additionalProperties: false,
} as const;

/** Milliseconds from `30s`, `500ms` or `30` (seconds); capped at maxWaitMs. */
export function parseWait(value: string | undefined): number {
  if (!value) return 0;
  const m = /^(\d+)(ms|s)?$/.exec(value);
  if (!m) return 0;
  const ms = m[2] === 'ms' ? Number(m[1]) : Number(m[1]) * 1000;
  return Math.min(ms, maxWaitMs);
}

/** Aborted when the HTTP client disconnects, so a long poll stops working for nobody. */
export function clientGone(ctx: Context): AbortSignal {
  const controller = new AbortController();
  // The response's 'close' before it was written means the connection went away.
  ctx.res.once('close', () => controller.abort());
  return controller.signal;
}
