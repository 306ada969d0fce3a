/**
 * The `switchyard` command line (commander). Configuration errors are printed
 * as a list naming each variable, with no stack trace, and exit with status 2.
 */
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { hubVersion } from '../version.js';
import { startCommand } from './start.js';
import { migrateCommand } from './migrate.js';
import { workerCommand } from './worker.js';
import { keysCreate, keysList, keysRevoke, tokenCreate } from './keys.js';
import { isKnownScope } from '../auth/scopes.js';
import { pluginNewCommand, pluginRekeyCommand } from './plugin-new.js';

function config(): Readonly<Config> {
  return loadConfig(process.env);
}

function scopeList(value: string): string[] {
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = list.filter((s) => !isKnownScope(s));
  if (list.length === 0 || unknown.length > 0) throw new InvalidArgumentError(`unknown scope(s): ${unknown.join(', ') || '(none given)'}`);
  return list;
}

const program = new Command('switchyard').version(hubVersion).description('Switchyard integration hub');

program.command('start').description('Migrate storage and serve the hub').action(async () => startCommand(config()));
program.command('migrate').description('Apply pending database migrations').action(async () => migrateCommand(config()));
program.command('worker').description('Run a pipeline worker (needs REDIS_URL to share work with hubs and other workers)')
  .option('--concurrency <n>', 'runs executed at once (default WORKER_CONCURRENCY)', (v) => Number.parseInt(v, 10))
  .action(async (o) => workerCommand(config(), o));

const keys = program.command('keys').description('Manage API keys');
keys.command('create').description('Create an API key (printed once); creates the tenant if needed')
  .requiredOption('--tenant <slug>', 'tenant slug')
  .requiredOption('--scopes <list>', 'comma-separated scopes, or *', scopeList)
  .option('--name <name>', 'a label for the key', 'cli')
  .option('--json', 'print JSON')
  .action(async (o) => keysCreate(config(), o));
keys.command('list').description('List API keys of a tenant').requiredOption('--tenant <slug>', 'tenant slug').option('--json', 'print JSON')
  .action(async (o) => keysList(config(), o));
keys.command('revoke').description('Revoke an API key by id or prefix').requiredOption('--tenant <slug>', 'tenant slug').argument('<key>', 'key id or prefix')
  .action(async (key, o) => keysRevoke(config(), { ...o, key }));

program.command('token').description('Mint a dashboard JWT for a tenant')
  .requiredOption('--tenant <slug>', 'tenant slug')
  .requiredOption('--scopes <list>', 'comma-separated scopes, or *', scopeList)
  .option('--ttl <seconds>', 'lifetime in seconds', (v) => Number.parseInt(v, 10))
  .action(async (o) => tokenCreate(config(), o));

const plugin = program.command('plugin').description('Plugin authoring and maintenance');
plugin.command('new').description('Scaffold a plugin package (manifest, one capability or action, a passing test)')
  .argument('<name>', 'plugin name, e.g. price-watch (the package becomes switchyard-plugin-<name>)')
  .requiredOption('--kind <kind>', 'agent or connector', (v) => {
    if (v !== 'agent' && v !== 'connector') throw new InvalidArgumentError('must be agent or connector');
    return v;
  })
  .option('--dir <folder>', 'parent folder of the new package (default: current folder)')
  .action((name, o) => pluginNewCommand(name, o));
plugin.command('rekey').description('Re-encrypt stored plugin credentials under the first MASTER_KEYS key')
  .action(async () => pluginRekeyCommand(config()));

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`switchyard: ${(err as Error).message}\n`);
  process.exit(1);
}
