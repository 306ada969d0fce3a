/**
 * Process and machine figures from /proc (Linux): a process's resident memory
 * and CPU time, and the machine's busy CPU time, so the report can say how much
 * of the machine our processes used and how much others (shared cores) took.
 */
import fs from 'node:fs';

/** Clock ticks per second for /proc/<pid>/stat and /proc/stat; 100 on Linux x86-64 and arm64. */
const TICKS_PER_SECOND = 100;

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return match ? Number(match[1]) * 1024 : NaN;
}

/** Resident set size now, in bytes. */
export function rssBytes(pid: number): number {
  return statusField(pid, 'VmRSS');
}

/** Peak resident set size over the process's life (VmHWM), in bytes. */
export function peakRssBytes(pid: number): number {
  return statusField(pid, 'VmHWM');
}

/** User and system CPU time consumed so far by one process, in seconds (NaN once it has gone). */
export function cpuUserSystemSeconds(pid: number): { user: number; sys: number } {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after ") ".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / TICKS_PER_SECOND, sys: Number(fields[12]) / TICKS_PER_SECOND };
  } catch {
    return { user: NaN, sys: NaN };
  }
}

/** User + system CPU time consumed so far by one process, in seconds. */
export function cpuSeconds(pid: number): number {
  const { user, sys } = cpuUserSystemSeconds(pid);
  return user + sys;
}

/** Busy (non-idle, non-iowait) CPU seconds of the whole machine, summed over cores. */
export function machineBusySeconds(): number {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}

/** Samples a process's RSS at an interval; `stop()` returns the largest sample. */
export function sampleRss(pid: number, intervalMs = 200): { stop(): number } {
  let max = rssBytes(pid);
  const timer = setInterval(() => {
    const now = rssBytes(pid);
    if (now > max) max = now;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(max, rssBytes(pid));
    },
  };
}

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

/** CPU seconds used so far by each process whose command name is `comm` (e.g. every PostgreSQL backend), by pid. */
export function cpuSecondsOf(comm: string): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== comm) continue;
    } catch {
      continue; // exited while we looked
    }
    const seconds = cpuSeconds(Number(entry));
    if (!Number.isNaN(seconds)) byPid.set(Number(entry), seconds);
  }
  return byPid;
}

/**
 * CPU seconds the processes of `after` used since `before` (two cpuSecondsOf
 * readings). A process that started in between counts in full; one that
 * exited in between is missing from `after`, so its last slice is not counted.
 */
export function cpuSecondsBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += Math.max(0, seconds - (before.get(pid) ?? 0));
  return total;
}
