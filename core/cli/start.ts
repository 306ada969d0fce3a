import type { Config } from '../config.js';
import { createHub } from '../hub.js';

/** Serves until SIGTERM/SIGINT, then shuts down gracefully and exits 0. */
export async function startCommand(config: Readonly<Config>): Promise<void> {
  const hub = createHub(config);
  const shutdown = (signal: string) => {
    hub.runtime.logger.info({ signal }, 'signal received');
    hub.stop().then(
      () => process.exit(0),
      (err) => {
        hub.runtime.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  try {
    await hub.start();
  } catch (err) {
    hub.runtime.logger.fatal({ err }, 'hub failed to start');
    await hub.stop().catch(() => undefined);
    process.exit(1);
  }
}
