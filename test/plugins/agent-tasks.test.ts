/**
 * The AgentCatalog side of the registry, as the orchestrator uses it:
 * describeAgent, runAgentTask with the tenant's config, input and output
 * validation, messaging (available only when the orchestrator supplies it),
 * connector calls for the same tenant, and disabled / failed agents.
 */
import { expect } from 'chai';
import type { AgentMessaging } from '../../core/pipelines/agent-catalog.js';
import type { PluginRegistry } from '../../core/plugins/registry.js';
import type { AgentEvent } from '../../core/sdk/index.js';
import { forEachDialect } from '../support/databases.js';
import type { TestHub } from '../support/test-hub.js';
import { startPluginHub } from './support.js';

function messaging(events: AgentEvent[] = []): AgentMessaging & { asked: unknown[] } {
  const asked: unknown[] = [];
  return {
    asked,
    request: async (agentId, task) => {
      asked.push({ agentId, task });
      return { answeredBy: agentId };
    },
    send: async () => undefined,
    emit: (event) => void events.push(event),
  };
}

async function rejection(p: Promise<unknown>): Promise<any> {
  return p.then(() => expect.fail('expected a rejection'), (e) => e);
}

forEachDialect('agent tasks through the registry', (db) => {
  let t: TestHub;
  let plugins: PluginRegistry;
  let tenantId: string;
  let key: string;

  before(async function () {
    t = await startPluginHub(db());
    plugins = t.hub.runtime.plugins;
    ({ tenantId, key } = await t.tenant('agents'));
  });
  after(async function () {
    await t?.stop();
  });

  it('describes ready agents with their capability schemas, and nothing else', function () {
    const echo = plugins.describeAgent('test-echo')!;
    expect(echo.status).to.equal('ready');
    expect(echo.capabilities.echo.input).to.include({ type: 'object' });
    expect(plugins.describeAgent('content-generator')!.capabilities).to.have.keys('article', 'product_review', 'landing_page', 'email_sequence', 'social_posts');
    expect(plugins.describeAgent('test-vault')).to.equal(undefined);
    expect(plugins.describeAgent('nobody')).to.equal(undefined);
  });

  it('runs a task with the tenant\'s config (defaults filled) and forwards emit to the orchestrator', async function () {
    const events: AgentEvent[] = [];
    const out = await plugins.runAgentTask({ tenantId, agentId: 'test-echo', task: { capability: 'echo', input: { text: 'hi' } }, messaging: messaging(events) });
    expect(out).to.deep.equal({ text: '> hi' });
    expect(events).to.deep.equal([{ type: 'progress', message: 'echoing' }]);
    await t.api('/api/v1/plugins/test-echo/config', { key, method: 'PUT', json: { prefix: '#' } });
    expect(await plugins.runAgentTask({ tenantId, agentId: 'test-echo', task: { capability: 'echo', input: { text: 'hi' } }, messaging: messaging() })).to.deep.equal({ text: '# hi' });
    // Each call gets its own copy of the config: one that changes it changes nothing for the next.
    expect(await plugins.runAgentTask({ tenantId, agentId: 'test-echo', task: { capability: 'scribble_config', input: {} }, messaging: messaging() })).to.deep.equal({ prefix: 'scribbled' });
    expect(await plugins.runAgentTask({ tenantId, agentId: 'test-echo', task: { capability: 'echo', input: { text: 'hi' } }, messaging: messaging() })).to.deep.equal({ text: '# hi' });
  });

  it('validates input before the agent runs and output after', async function () {
    const bad = await rejection(plugins.runAgentTask({ tenantId, agentId: 'test-echo', task: { capability: 'echo', input: { text: 7 } }, messaging: messaging() }));
    expect(bad.code).to.equal('HUB_ERR_VALIDATION_FAILED');
    expect(bad.details[0].path).to.equal('/input/text');
    const out = await rejection(plugins.runAgentTask({ tenantId, agentId: 'test-echo', task: { capability: 'bad_output', input: {} }, messaging: messaging() }));
    expect(out.code).to.equal('HUB_ERR_PLUGIN_BAD_OUTPUT');
    const unknown = await rejection(plugins.runAgentTask({ tenantId, agentId: 'test-echo', task: { capability: 'fly', input: {} }, messaging: messaging() }));
    expect(unknown.code).to.equal('HUB_ERR_PLUGIN_UNKNOWN_OPERATION');
  });

  it('passes ctx.request to the orchestrator, and fails clearly without one', async function () {
    const m = messaging();
    expect(await plugins.runAgentTask({ tenantId, agentId: 'test-echo', task: { capability: 'ask', input: {} }, messaging: m })).to.deep.equal({ answeredBy: 'test-other' });
    expect(m.asked).to.have.length(1);
    const err = await rejection(plugins.runAgentTask({ tenantId, agentId: 'test-echo', task: { capability: 'ask', input: {} } }));
    expect(err.code).to.equal('HUB_ERR_PLUGIN_MESSAGING_UNAVAILABLE');
    expect(err.message).to.contain('not available');
  });

  it('runs connector actions for the same tenant with that tenant\'s credentials', async function () {
    const missing = await rejection(plugins.runAgentTask({ tenantId, agentId: 'test-echo', task: { capability: 'vault', input: {} }, messaging: messaging() }));
    expect(missing.code).to.equal('HUB_ERR_PLUGIN_NOT_CONFIGURED');
    await t.api('/api/v1/plugins/test-vault/credentials', { key, method: 'PUT', json: { apiKey: 'agent-tenant-key' } });
    const out = (await plugins.runAgentTask({ tenantId, agentId: 'test-echo', task: { capability: 'vault', input: {} }, messaging: messaging() })) as { tenantId: string; fields: string[] };
    expect(out).to.deep.include({ tenantId, fields: ['apiKey'] });
    const other = await t.tenant('agents-other');
    const err = await rejection(plugins.runAgentTask({ tenantId: other.tenantId, agentId: 'test-echo', task: { capability: 'vault', input: {} }, messaging: messaging() }));
    expect(err.code).to.equal('HUB_ERR_PLUGIN_NOT_CONFIGURED');
  });

  it('rejects tasks for disabled, unknown and non-agent plugins, and rejects with the agent\'s own error', async function () {
    await t.api('/api/v1/plugins/test-echo/enabled', { key, method: 'PUT', json: { enabled: false } });
    expect((await rejection(plugins.runAgentTask({ tenantId, agentId: 'test-echo', task: { capability: 'echo', input: { text: 'x' } }, messaging: messaging() }))).code).to.equal('HUB_ERR_PLUGIN_DISABLED');
    await t.api('/api/v1/plugins/test-echo/enabled', { key, method: 'PUT', json: { enabled: true } });
    expect((await rejection(plugins.runAgentTask({ tenantId, agentId: 'nobody', task: { capability: 'x', input: {} }, messaging: messaging() }))).code).to.equal('HUB_ERR_PLUGIN_NOT_FOUND');
    expect((await rejection(plugins.runAgentTask({ tenantId, agentId: 'test-vault', task: { capability: 'x', input: {} }, messaging: messaging() }))).code).to.equal('HUB_ERR_PLUGIN_WRONG_KIND');
    const ni = await rejection(plugins.runAgentTask({ tenantId, agentId: 'monetization', task: { capability: 'estimate_revenue', input: { monthlyVisitors: 1000 } }, messaging: messaging() }));
    expect(ni.name).to.equal('NotImplementedError');
    expect(ni.code).to.equal('HUB_ERR_NOT_IMPLEMENTED');
  });

  it('gives the plugin nothing of the hub beyond its narrow context', async function () {
    // The connector reports what it received; the context keys are the SDK's and no more.
    const ctx = await plugins.getConnectorContext(tenantId, 'test-vault');
    expect(Object.keys(ctx).sort()).to.deep.equal(['config', 'credentials', 'emit', 'http', 'idempotencyKey', 'logger', 'pluginId', 'signal', 'tenantId']);
    expect(Object.keys(ctx.http)).to.deep.equal(['request']);
    expect(Object.isFrozen(ctx)).to.equal(true);
    // The logger has the four SDK levels and nothing that leads to the hub's logger.
    expect(Object.getOwnPropertyNames(ctx.logger)).to.deep.equal([]);
    expect(Object.getOwnPropertyNames(Object.getPrototypeOf(ctx.logger)).sort()).to.deep.equal(['constructor', 'debug', 'error', 'info', 'warn']);
    expect(() => ctx.logger.info({ probe: true }, 'from a plugin')).to.not.throw();
  });
});
