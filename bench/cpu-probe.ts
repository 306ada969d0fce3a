/**
 * How fast this (shared, virtual) machine is right now: CPU milliseconds for a
 * fixed amount of hashing. On the 2-core machines these benches run on, the
 * same work has taken from about 350 to about 1,200 ms depending on what else
 * the host runs, so every bench prints this before and after its
 * measurements: figures are only comparable between runs with similar probes.
 */
import { createHash } from 'node:crypto';

export function cpuProbeMs(): number {
  const start = process.cpuUsage();
  let digest = Buffer.alloc(64);
  for (let i = 0; i < 100_000; i++) digest = createHash('sha512').update(digest).digest();
  const used = process.cpuUsage(start);
  return Math.round((used.user + used.system) / 1000);
}
