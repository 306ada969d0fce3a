/** The plugin test harness from the SDK: createTestContext, runCapability, runAction, checkManifest. */
import { expect } from 'chai';
import nock from 'nock';
import {
  checkManifest,
  createTestContext,
  defineAction,
  defineAgent,
  defineConnector,
  runAction,
  runCapability,
} from '../../core/sdk/index.js';

const agent = defineAgent<{ suffix: string }>({
  id: 'shout',
  version: '1.0.0',
  hub: '^1.0.0',
  description: 'Shouts',
  capabilities: {
    shout: {
      description: 'Upper-cases text',
      input: { type: 'object', properties: { text: { type: 'string', minLength: 1 } }, required: ['text'], additionalProperties: false },
      output: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
    },
    ask: { description: 'Asks the helper', input: { type: 'object' } },
    broken: { description: 'Breaks its output schema', input: { type: 'object' }, output: { type: 'object', required: ['text'] } },
  },
  async handle(task, ctx) {
    if (task.capability === 'ask') return ctx.request('helper', { capability: 'help', input: {} }, { timeoutMs: 100 });
    if (task.capability === 'broken') return {};
    ctx.logger.info({ n: 1 }, 'shouting');
    ctx.emit({ type: 'progress', message: 'half way' });
    return { text: `${(task.input as { text: string }).text.toUpperCase()}${ctx.config.suffix ?? ''}` };
  },
});

const connector = defineConnector<{ base: string }, { token: string }>({
  id: 'pinger',
  version: '1.0.0',
  hub: '^1.0.0',
  description: 'Pings',
  credentials: { type: 'object', properties: { token: { type: 'string' } }, required: ['token'] },
  actions: {
    ping: defineAction<{ host: string }, { status: number }, { base: string }, { token: string }>({
      description: 'Ping a host',
      input: { type: 'object', properties: { host: { type: 'string', pattern: '^[a-z.]+$' } }, required: ['host'] },
      async run(input, ctx) {
        const res = await ctx.http.request(`${ctx.config.base}/ping/${input.host}`, { headers: { authorization: `Bearer ${ctx.credentials.token}` } });
        return { status: res.status };
      },
    }),
  },
});

/** The rejection of a call that must fail (fails the test if it resolves). */
function failure(p: Promise<unknown>): Promise<any> {
  return p.then(() => expect.fail('expected the call to fail'), (e: unknown) => e);
}

describe('SDK test harness', function () {
  afterEach(function () {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('records emitted events and log lines', async function () {
    const ctx = createTestContext({ config: { suffix: '!' } });
    expect(await runCapability(agent, 'shout', { text: 'hey' }, ctx)).to.deep.equal({ text: 'HEY!' });
    expect(ctx.events).to.deep.equal([{ type: 'progress', message: 'half way' }]);
    expect(ctx.logs).to.deep.equal([{ level: 'info', obj: { n: 1 }, msg: 'shouting' }]);
  });

  it('validates input and output like the hub', async function () {
    const bad = await failure(runCapability(agent, 'shout', { text: '' }));
    expect(bad.code).to.equal('HUB_ERR_VALIDATION_FAILED');
    expect(bad.options.details[0].path).to.equal('/text');
    expect((await failure(runCapability(agent, 'broken', {}))).code).to.equal('HUB_ERR_PLUGIN_BAD_OUTPUT');
    expect((await failure(runCapability(agent, 'nope', {}))).code).to.equal('HUB_ERR_PLUGIN_UNKNOWN_OPERATION');
  });

  it('fails messaging like outside a pipeline unless a handler is given', async function () {
    const err = await failure(runCapability(agent, 'ask', {}));
    expect(err.code).to.equal('HUB_ERR_PLUGIN_MESSAGING_UNAVAILABLE');
    const ctx = createTestContext({ request: (agentId) => ({ from: agentId }) });
    expect(await runCapability(agent, 'ask', {}, ctx)).to.deep.equal({ from: 'helper' });
    expect(ctx.requests).to.deep.equal([{ agentId: 'helper', task: { capability: 'help', input: {} }, options: { timeoutMs: 100 } }]);
  });

  it('answers ctx.http from a handler function', async function () {
    const seen: string[] = [];
    const ctx = createTestContext({ config: { base: 'https://ping.example' }, credentials: { token: 't1' }, http: (url) => (seen.push(url), { status: 204, headers: {}, body: '' }) });
    expect(await runAction(connector, 'ping', { host: 'a.example' }, ctx)).to.deep.equal({ status: 204 });
    expect(seen).to.deep.equal(['https://ping.example/ping/a.example']);
    expect((await failure(runAction(connector, 'ping', { host: 'BAD HOST' }, ctx))).code).to.equal('HUB_ERR_VALIDATION_FAILED');
  });

  it('uses the hub\'s real HTTP client by default, so nock fixtures work', async function () {
    nock.disableNetConnect();
    nock('https://ping.example', { reqheaders: { authorization: 'Bearer t2' } }).get('/ping/b.example').reply(200, 'pong');
    const ctx = createTestContext({ config: { base: 'https://ping.example' }, credentials: { token: 't2' } });
    expect(await runAction(connector, 'ping', { host: 'b.example' }, ctx)).to.deep.equal({ status: 200 });
    const blocked = await failure(createTestContext().http.request('http://169.254.169.254/latest/meta-data'));
    expect(blocked.code).to.equal('HUB_ERR_PLUGIN_HTTP_BLOCKED');
  });

  it('exposes the registry\'s manifest check', function () {
    expect(checkManifest(agent)).to.deep.equal([]);
    expect(checkManifest({ ...connector, hub: '^3.0.0' })[0].path).to.equal('/hub');
  });
});
