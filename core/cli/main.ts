/**
 * The `switchyard` command line (commander). Configuration errors are printed
 * as a list naming each variable, with no stack trace, and exit with status 2.
 */
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { hubVersion } from '../version.js';
import { startCommand } from './start.js';
import { migrateCommand } from './migrate.js';
import { keysCreate, keysList, keysRevoke, tokenCreate } from './keys.js';
import { isKnownScope } from '../auth/scopes.js';

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
