/**
 * Files of a new plugin package (`switchyard plugin new`). The package is an
 * ES module importing only `switchyard/sdk`; its test uses node:test so it
 * needs nothing but the hub (linked as a dev dependency) to run.
 */
export interface ScaffoldInput {
  /** Short name, e.g. `price-watch`; also the plugin id. */
  name: string;
  kind: 'agent' | 'connector';
  /** Absolute path of the hub, for the `switchyard` dev dependency. */
  hubRoot: string;
}

function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function packageJson(input: ScaffoldInput): string {
  return `${JSON.stringify({
    name: `switchyard-plugin-${input.name}`,
    version: '0.1.0',
    description: `Switchyard ${input.kind} plugin ${input.name}`,
    type: 'module',
    main: 'index.ts',
    exports: { '.': './index.ts' },
    files: ['index.ts', 'README.md'],
    keywords: ['switchyard-plugin', `switchyard-${input.kind}`],
    scripts: { test: 'node --import switchyard/register --test test/plugin.test.ts', typecheck: 'tsc -p .' },
    devDependencies: { switchyard: `file:${input.hubRoot}`, '@types/node': '^20.0.0', typescript: '^5.6.0 || ^7.0.0' },
  }, null, 2)}\n`;
}

const tsconfig = `${JSON.stringify({
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  },
  include: ['index.ts', 'test'],
}, null, 2)}\n`;

function agentIndex(input: ScaffoldInput): string {
  return `/**
 * ${input.name}: a Switchyard agent. The manifest (id, version, hub range,
 * capabilities with input/output JSON Schemas, config schema) is checked by
 * the hub's registry before anything runs; handle() gets only its own context.
 */
import { defineAgent } from 'switchyard/sdk';

export interface ${camel(input.name)}Config {
  greeting: string;
}

export default defineAgent<${camel(input.name)}Config>({
  id: '${input.name}',
  version: '0.1.0',
  hub: '^1.0.0',
  description: 'Greets people (replace with what your agent does)',
  config: {
    type: 'object',
    properties: { greeting: { type: 'string', minLength: 1, maxLength: 50, default: 'Hello' } },
    additionalProperties: false,
  },
  capabilities: {
    greet: {
      description: 'Says hello to someone',
      input: {
        type: 'object',
        properties: { name: { type: 'string', minLength: 1, maxLength: 100 } },
        required: ['name'],
        additionalProperties: false,
      },
      output: {
        type: 'object',
        properties: { message: { type: 'string' } },
        required: ['message'],
      },
    },
  },
  async handle(task, ctx) {
    const { name } = task.input as { name: string };
    ctx.emit({ type: 'progress', message: \`greeting \${name}\` });
    return { message: \`\${ctx.config.greeting ?? 'Hello'}, \${name}!\` };
  },
});
`;
}

function agentTest(input: ScaffoldInput): string {
  return `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkManifest, createTestContext, runCapability } from 'switchyard/sdk';
import plugin from '../index.js';

test('the manifest is one the hub accepts', () => {
  assert.deepEqual(checkManifest(plugin), []);
});

test('greet answers with the configured greeting and reports progress', async () => {
  const ctx = createTestContext({ pluginId: '${input.name}', config: { greeting: 'Hi' } });
  const output = await runCapability(plugin, 'greet', { name: 'Ada' }, ctx);
  assert.deepEqual(output, { message: 'Hi, Ada!' });
  assert.equal(ctx.events.length, 1);
});

test('greet refuses input that does not match its schema', async () => {
  await assert.rejects(runCapability(plugin, 'greet', { name: '' }), /\\/name/);
});
`;
}

function connectorIndex(input: ScaffoldInput): string {
  return `/**
 * ${input.name}: a Switchyard connector. Credentials are validated against
 * the credentials schema, encrypted by the hub and handed to check() and the
 * actions in ctx.credentials; ctx.http retries, times out and refuses private
 * addresses for you.
 */
import { defineAction, defineConnector, PluginError, type ConnectorContext } from 'switchyard/sdk';

export interface ${camel(input.name)}Credentials {
  apiKey: string;
}

export interface ${camel(input.name)}Config {
  baseUrl: string;
}

type Ctx = ConnectorContext<${camel(input.name)}Config, ${camel(input.name)}Credentials>;

async function call<T>(ctx: Ctx, path: string): Promise<T> {
  const res = await ctx.http.request<T>(\`\${ctx.config.baseUrl}\${path}\`, { headers: { authorization: \`Bearer \${ctx.credentials.apiKey}\` } });
  if (res.status === 401 || res.status === 403) throw new PluginError('CREDENTIALS_REJECTED', 'the provider refused the API key');
  if (res.status >= 400) throw new PluginError('PROVIDER_ERROR', \`the provider answered \${res.status}\`, { retryable: res.status >= 500 });
  return res.body;
}

export default defineConnector<${camel(input.name)}Config, ${camel(input.name)}Credentials>({
  id: '${input.name}',
  version: '0.1.0',
  hub: '^1.0.0',
  description: 'Reads items from an example API (replace with your provider)',
  credentials: {
    type: 'object',
    properties: { apiKey: { type: 'string', minLength: 8, maxLength: 200 } },
    required: ['apiKey'],
    additionalProperties: false,
  },
  config: {
    type: 'object',
    properties: { baseUrl: { type: 'string', format: 'uri', pattern: '^https://', default: 'https://api.example.com' } },
    additionalProperties: false,
  },
  async check(ctx) {
    await call(ctx, '/me');
  },
  actions: {
    get_item: defineAction<{ id: string }, { id: string; name: string }, ${camel(input.name)}Config, ${camel(input.name)}Credentials>({
      description: 'Reads one item by id',
      input: {
        type: 'object',
        properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } },
        required: ['id'],
        additionalProperties: false,
      },
      output: {
        type: 'object',
        properties: { id: { type: 'string' }, name: { type: 'string' } },
        required: ['id', 'name'],
      },
      async run(input, ctx) {
        return call<{ id: string; name: string }>(ctx, \`/items/\${encodeURIComponent(input.id)}\`);
      },
    }),
  },
});
`;
}

function connectorTest(input: ScaffoldInput): string {
  return `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkManifest, createTestContext, runAction } from 'switchyard/sdk';
import plugin from '../index.js';

const config = { baseUrl: 'https://api.example.com' };
const credentials = { apiKey: 'test-key-123' };

test('the manifest is one the hub accepts', () => {
  assert.deepEqual(checkManifest(plugin), []);
});

test('get_item calls the provider with the API key and returns the item', async () => {
  const seen: Array<{ url: string; auth?: string }> = [];
  const ctx = createTestContext({
    pluginId: '${input.name}',
    config,
    credentials,
    http: (url, options) => {
      seen.push({ url, auth: options.headers?.authorization });
      return { status: 200, headers: { 'content-type': 'application/json' }, body: { id: 'a1', name: 'First item' } };
    },
  });
  const item = await runAction(plugin, 'get_item', { id: 'a1' }, ctx);
  assert.deepEqual(item, { id: 'a1', name: 'First item' });
  assert.deepEqual(seen, [{ url: 'https://api.example.com/items/a1', auth: 'Bearer test-key-123' }]);
});

test('a refused key fails the credential check with a clear code', async () => {
  const ctx = createTestContext({ config, credentials, http: () => ({ status: 401, headers: {}, body: '' }) });
  await assert.rejects(async () => plugin.check!(ctx), { code: 'CREDENTIALS_REJECTED' });
});
`;
}

function readme(input: ScaffoldInput): string {
  return `# switchyard-plugin-${input.name}

A Switchyard ${input.kind} plugin. See the hub's docs/plugins.md for the contract.

- \`npm test\` runs the plugin's own tests with the hub's test harness
  (\`node --import switchyard/register\` loads TypeScript and resolves \`switchyard/sdk\`).
- Install it next to the hub (\`npm install /path/to/switchyard-plugin-${input.name}\` in the
  hub folder, or list its folder in \`PLUGIN_PATHS\`); the hub discovers packages named
  \`switchyard-plugin-*\` at start and lists it under \`GET /api/v1/plugins\`.
`;
}

/** Relative path → file content of the new package. */
export function scaffoldFiles(input: ScaffoldInput): Record<string, string> {
  return {
    'package.json': packageJson(input),
    'tsconfig.json': tsconfig,
    'README.md': readme(input),
    'index.ts': input.kind === 'agent' ? agentIndex(input) : connectorIndex(input),
    'test/plugin.test.ts': input.kind === 'agent' ? agentTest(input) : connectorTest(input),
  };
}
