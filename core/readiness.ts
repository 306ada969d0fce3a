/** Dependency checks behind /readyz; later features (queue, vectors) add theirs. */
export interface ReadinessCheck {
  name: string;
  driver: string;
  check(): Promise<void>;
}

export interface DependencyStatus {
  name: string;
  driver: string;
  status: 'ok' | 'down';
  latencyMs: number;
  error?: string;
}

const CHECK_TIMEOUT_MS = 2000;

async function runCheck(check: ReadinessCheck): Promise<DependencyStatus> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check.check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { name: check.name, driver: check.driver, status: 'ok', latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    // Only the error's message: connection errors can carry URLs, never credentials here.
    const message = (err as Error).message?.replace(/\/\/[^@\s]*@/g, '//***@') ?? 'failed';
    return { name: check.name, driver: check.driver, status: 'down', latencyMs: Math.round(performance.now() - started), error: message };
  } finally {
    clearTimeout(timer);
  }
}

export async function checkReadiness(checks: ReadinessCheck[]): Promise<{ ok: boolean; dependencies: DependencyStatus[] }> {
  const dependencies = await Promise.all(checks.map(runCheck));
  return { ok: dependencies.every((d) => d.status === 'ok'), dependencies };
}
