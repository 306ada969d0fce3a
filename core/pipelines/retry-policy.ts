/** Delay before retry number `retry` (1-based): exponential, capped, with jitter in [delay/2, delay]. */
import type { RetryPolicy } from './definition.js';

export function retryDelayMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const delay = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** Math.max(0, retry - 1));
  return policy.jitter ? Math.round(delay / 2 + random() * (delay / 2)) : delay;
}
