/**
 * The hub's own view of request latency, from its Prometheus histogram
 * (GET /metrics): time inside the Koa middleware chain only, at bucket
 * resolution. Set beside the client-side latency it tells handler time from
 * time spent waiting for the CPU, the event loop or the kernel.
 */

type Buckets = Map<number, number>;

/** Cumulative bucket counts of http_request_duration_seconds for one method, route and status. */
export async function latencyBuckets(baseUrl: string, method: string, route: string, status: number): Promise<Buckets> {
  const text = await (await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const buckets: Buckets = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith('http_request_duration_seconds_bucket{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (labels.method !== method || labels.route !== route || labels.status !== String(status)) continue;
    buckets.set(labels.le === '+Inf' ? Infinity : Number(labels.le), Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return buckets;
}

/** The upper bound (ms) of the bucket holding quantile q of the requests counted between two scrapes. */
export function quantileUpperBoundMs(before: Buckets, after: Buckets, q: number): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  if (total <= 0) return NaN;
  for (const le of bounds) {
    if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= q * total) return le * 1000;
  }
  return Infinity;
}
