/** `switchyard plugin new <name> --kind agent|connector [--dir <folder>]`: scaffolds a plugin package. */
import path from 'node:path';
import type { Config } from '../config.js';
import { scaffoldPlugin } from '../plugins/scaffold/scaffold.js';

export function pluginNewCommand(name: string, options: { kind: 'agent' | 'connector'; dir?: string }): void {
  const target = scaffoldPlugin({ name, kind: options.kind, dir: options.dir ?? process.cwd() });
  const rel = path.relative(process.cwd(), target) || '.';
  process.stdout.write(
    `created ${target}\n\nnext:\n  cd ${rel}\n  npm install        # links the hub as a dev dependency\n  npm test\n\nthen install it into the hub (npm install ${target}) or add it to PLUGIN_PATHS.\n`,
  );
}

/**
 * `switchyard plugin rekey`: re-encrypts every stored plugin credential under
 * the first MASTER_KEYS key, so older keys can then be removed from the list.
 */
export async function pluginRekeyCommand(config: Readonly<Config>): Promise<void> {
  const { PluginSettingsService } = await import('../plugins/settings-service.js');
  const { keyringFromConfig } = await import('../secrets/master-keys.js');
  const { withDb } = await import('./with-db.js');
  await withDb(config, async (db) => {
    const keyring = keyringFromConfig(config);
    const { rekeyed, failed } = await new PluginSettingsService(db, keyring).rekeyCredentials();
    process.stdout.write(`re-encrypted ${rekeyed} credential set(s) under key "${keyring.active.kid}"\n`);
    for (const f of failed) process.stdout.write(`  could not re-encrypt ${f.pluginId} of tenant ${f.tenantId}: ${f.code}\n`);
    if (failed.length > 0) process.exitCode = 1;
  });
}
