/**
 * The parent side of conn-holder.ts: forks the holder processes, sends each
 * its share of a command and gathers their replies (each wait is bounded).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { HolderCommand, HolderReport } from './conn-holder.js';

const holderScript = fileURLToPath(new URL('./conn-holder.ts', import.meta.url));

export interface Holder {
  child: ChildProcess;
  ask<T extends HolderReport['type']>(command: HolderCommand, expect: T, timeoutMs: number): Promise<Extract<HolderReport, { type: T }>>;
}

export function forkHolder(): Holder {
  const child = fork(holderScript, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return {
    child,
    ask(command, expect, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`connection holder ${child.pid}: no '${expect}' reply within ${timeoutMs} ms`)), timeoutMs);
        const onMessage = (report: HolderReport) => {
          if (report.type === 'error') finish(new Error(`connection holder ${child.pid}: ${report.message}`));
          else if (report.type === expect) finish(undefined, report);
        };
        const onExit = () => finish(new Error(`connection holder ${child.pid} exited`));
        function finish(err?: Error, report?: HolderReport) {
          clearTimeout(timer);
          child.off('message', onMessage);
          child.off('exit', onExit);
          if (err) reject(err);
          else resolve(report as Extract<HolderReport, { type: typeof expect }>);
        }
        child.on('message', onMessage);
        child.once('exit', onExit);
        child.send(command);
      });
    },
  };
}

/** Splits `total` into `parts` near-equal integers. */
export function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}
