/**
 * Starts the real hub the way an operator does (`switchyard start`, embedded
 * SQLite in a fresh data directory) as a separate process, after provisioning a
 * tenant, an API key (`switchyard keys create`) and a JWT (`switchyard token`)
 * through the CLI. Rate limits are raised through their config variables so
 * the bench measures the limiter's cost, not its refusals.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { cleanEnv, listeningPort, runCli, startCli, type RunningProcess } from '../../test/support/processes.js';

export interface BenchHub {
  url: string;
  port: number;
  pid: number;
  /** Temporary DATA_DIR, removed by stop(). */
  dataDir: string;
  apiKey: string;
  jwt: string;
  process: RunningProcess;
  stop(): Promise<void>;
}

/** Far above anything the bench sends in a minute. */
const RAISED_RATE_LIMIT = '1000000000';

export async function startBenchHub(): Promise<BenchHub> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-bench-'));
  const env = cleanEnv({
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    JWT_SECRET: randomBytes(32).toString('base64url'),
    LOG_LEVEL: 'info',
    RATE_LIMIT_PER_KEY: RAISED_RATE_LIMIT,
    RATE_LIMIT_PER_IP: RAISED_RATE_LIMIT,
  });

  const created = await runCli(['keys', 'create', '--tenant', 'bench', '--scopes', '*', '--name', 'bench', '--json'], env);
  if (created.code !== 0) throw new Error(`switchyard keys create failed:\n${created.stderr}`);
  const apiKey = (JSON.parse(created.stdout) as { key: string }).key;
  const token = await runCli(['token', '--tenant', 'bench', '--scopes', 'sites:read', '--ttl', '3600'], env);
  if (token.code !== 0) throw new Error(`switchyard token failed:\n${token.stderr}`);
  const jwt = token.stdout.trim();

  const hub = startCli(['start'], env);
  let port: number;
  try {
    port = await hub.waitFor(listeningPort, 30_000);
  } catch (err) {
    hub.child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: hub.child.pid!,
    dataDir,
    apiKey,
    jwt,
    process: hub,
    async stop() {
      if (hub.child.exitCode === null && hub.child.signalCode === null) {
        hub.child.kill('SIGTERM');
        const killer = setTimeout(() => hub.child.kill('SIGKILL'), 20_000);
        await hub.exited;
        clearTimeout(killer);
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
