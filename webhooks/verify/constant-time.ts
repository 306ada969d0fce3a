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

/**
 * Constant-time comparison of two ASCII strings whose length is public (e.g.
 * hex digests of a known algorithm, checked by the caller): no hashing first.
 * Different lengths are simply unequal.
 */
export function sameLengthEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1'));
}
