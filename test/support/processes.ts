/**
 * Runs `switchyard` CLI commands as real child processes, the way operators do.
 * The environment is built from scratch so a developer's own variables never leak in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cliPath = path.join(repoRoot, 'bin/switchyard.mjs');

export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, cwd = repoRoot): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export interface RunningProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first stdout log line for which `match` returns a value. */
  waitFor<T>(match: (line: Record<string, unknown>) => T | undefined, timeoutMs?: number): Promise<T>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv, cwd = repoRoot): RunningProcess {
  const child = spawn(process.execPath, [cliPath, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const lines: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d;
    partial += d;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const p of parts) {
      try {
        lines.push(JSON.parse(p) as Record<string, unknown>);
      } catch {
        /* not a log line */
      }
    }
    for (const w of waiters) w();
  });
  child.stderr!.on('data', (d: Buffer) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      for (const w of waiters) w();
      resolve({ code, signal });
    });
  });
  return {
    child,
    output: () => out,
    exited,
    waitFor(match, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for a log line; output so far:\n${out}`));
        }, timeoutMs);
        const check = () => {
          for (const line of lines) {
            const value = match(line);
            if (value !== undefined) {
              clearTimeout(timer);
              waiters.delete(check);
              return resolve(value);
            }
          }
          if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`process exited before the expected log line; output:\n${out}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** The port from the hub's "hub listening" log line. */
export function listeningPort(line: Record<string, unknown>): number | undefined {
  if (line.msg !== 'hub listening' || typeof line.url !== 'string') return undefined;
  return Number(new URL(line.url).port);
}
