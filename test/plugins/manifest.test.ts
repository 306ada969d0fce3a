/** The manifest check the registry runs before anything starts (unit level, no hub). */
import { expect } from 'chai';
import { checkManifest, isCompatible } from '../../core/plugins/manifest.js';
import { defineAgent, defineConnector, PLUGIN_API_VERSION } from '../../core/sdk/index.js';

const agent = () => defineAgent({
  id: 'good-agent',
  version: '1.0.0',
  hub: '^1.0.0',
  description: 'ok',
  capabilities: { run_it: { description: 'x', input: { type: 'object' } } },
  handle: () => null,
});

const connector = () => defineConnector({
  id: 'good-connector',
  version: '1.0.0-beta.1',
  hub: '>=1.0.0',
  description: 'ok',
  credentials: { type: 'object' },
  actions: { go: { description: 'x', input: { type: 'object' }, run: () => null } },
  webhook: { verify: () => ({ ok: true }), normalize: () => [] },
});

function paths(def: unknown): string[] {
  return checkManifest(def).map((p) => p.path);
}

describe('plugin manifest check', function () {
  it('accepts well-formed agents and connectors', function () {
    expect(checkManifest(agent())).to.deep.equal([]);
    expect(checkManifest(connector())).to.deep.equal([]);
  });

  it('names every field that is wrong', function () {
    expect(paths({ ...agent(), id: 'Has Spaces' })).to.deep.equal(['/id']);
    expect(paths({ ...agent(), version: '1.0' })).to.deep.equal(['/version']);
    expect(paths({ ...agent(), hub: 'latest please' })).to.deep.equal(['/hub']);
    expect(paths({ ...agent(), handle: 'not a function' })).to.deep.equal(['/handle']);
    expect(paths({ ...agent(), capabilities: {} })).to.deep.equal(['/capabilities']);
    expect(paths({ ...agent(), capabilities: { 'Bad-Name': { description: 'x', input: {} } } })).to.include('/capabilities');
    expect(paths({ ...connector(), actions: { go: { description: 'x', input: { type: 'object' } } } })).to.deep.equal(['/actions/go/run']);
    expect(paths({ ...connector(), credentials: undefined })).to.deep.equal(['/credentials']);
    expect(paths({ ...connector(), webhook: { verify: () => ({ ok: true }) } })).to.deep.equal(['/webhook/normalize']);
    expect(paths({ ...agent(), kind: 'robot' })).to.deep.equal(['/kind']);
    expect(paths(null)).to.deep.equal(['/']);
  });

  it('reports schemas that ajv cannot compile, with their manifest path', function () {
    const broken = { ...agent(), capabilities: { run_it: { description: 'x', input: { type: 'no-such-type' } } } };
    expect(paths(broken)).to.deep.equal(['/capabilities/run_it/input']);
    expect(paths({ ...connector(), config: { type: 'object', properties: { a: { minLength: 'five' } } } })).to.deep.equal(['/config']);
  });

  it('lets two plugins use the same $id (each plugin compiles with its own ajv)', function () {
    const withId = (id: string) => ({ ...agent(), id, capabilities: { run_it: { description: 'x', input: { $id: 'https://example.com/input', type: 'object' } } } });
    expect(checkManifest(withId('one-agent'))).to.deep.equal([]);
    expect(checkManifest(withId('two-agent'))).to.deep.equal([]);
  });

  it('checks the hub range against this hub\'s plugin API', function () {
    expect(PLUGIN_API_VERSION).to.equal('1.1.0');
    expect(isCompatible('^1.0.0')).to.equal(true);
    expect(isCompatible('^1.1.0')).to.equal(true);
    expect(isCompatible('^1.2.0')).to.equal(false);
    expect(isCompatible('>=1.0.0 <2')).to.equal(true);
    expect(isCompatible('^2.0.0')).to.equal(false);
    expect(isCompatible('~0.9.0')).to.equal(false);
    const problems = checkManifest({ ...agent(), hub: '^2.0.0' });
    expect(problems).to.deep.equal([{ path: '/hub', message: 'range ^2.0.0 does not include this hub\'s plugin API 1.1.0' }]);
  });
});
