/**
 * Constant-time comparison of secrets and signatures. `timingSafeEqual` throws on
 * length mismatch, and an early length check would leak the expected length, so
 * both sides are hashed to a fixed size first.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

function digest(value: string | Buffer): Buffer {
  return createHash('sha256').update(value).digest();
}

/** True when `a` and `b` hold the same bytes; time does not depend on where they differ. */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  return timingSafeEqual(digest(a), digest(b));
}
