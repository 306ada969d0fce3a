/**
 * The ten built-in plugins: ids from DESIGN.md, real manifests the registry
 * accepts, credential schemas that validate real-looking values, and every
 * capability/action that is not built yet failing with NotImplementedError
 * (never a made-up result).
 */
import { expect } from 'chai';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkManifest } from '../../core/plugins/manifest.js';
import { compilePluginSchemas } from '../../core/plugins/manifest.js';
import type { AgentDefinition, ConnectorDefinition, PluginDefinition } from '../../core/sdk/index.js';
import { createTestContext } from '../../core/sdk/index.js';
import { repoRoot } from '../support/processes.js';
import { builtinIds } from './support.js';

async function load(kind: 'plugins' | 'connectors', id: string): Promise<PluginDefinition> {
  return (await import(pathToFileURL(path.join(repoRoot, kind, id, 'index.ts')).href)).default as PluginDefinition;
}

const expectedOperations: Record<string, string[]> = {
  'opportunity-scanner': ['market_scan', 'competitor_research', 'affiliate_program_scan'],
  'content-generator': ['article', 'product_review', 'landing_page', 'email_sequence', 'social_posts'],
  'website-builder': ['generate_website'],
  'seo-optimizer': ['audit_page', 'audit_site', 'optimize_content'],
  monetization: ['inject_links', 'estimate_revenue'],
};

describe('built-in plugins', function () {
  for (const id of builtinIds.agents) {
    it(`agent ${id}: valid manifest, DESIGN.md capabilities, not-implemented behaviour`, async function () {
      const def = (await load('plugins', id)) as AgentDefinition;
      expect(def.kind).to.equal('agent');
      expect(def.id).to.equal(id);
      expect(checkManifest(def)).to.deep.equal([]);
      expect(Object.keys(def.capabilities)).to.deep.equal(expectedOperations[id]);
      for (const capability of Object.keys(def.capabilities)) {
        const err = await Promise.resolve().then(() => def.handle({ capability, input: {} }, createTestContext())).then(() => undefined, (e) => e);
        expect(err, capability).to.have.property('code', 'HUB_ERR_NOT_IMPLEMENTED');
      }
    });
  }

  const credentialSamples: Record<string, Record<string, unknown>> = {
    awin: { apiToken: 'awin-token-0123456789', publisherId: 67890, webhookToken: 'x'.repeat(32) },
    digistore24: { apiKey: '123-abcdefghijklmnop', ipnPassphrase: 'my-ipn-passphrase' },
    sendgrid: { apiKey: 'SG.test-key-0123456789' },
    hetzner: { apiToken: 'hc-test-token-0123456789abcdef' },
    cloudflare: { apiToken: 'cf-test-token-0123456789abcdef', accountId: 'f0e1d2c3b4a5968778695a4b3c2d1e0f' },
  };
  const badCredentials: Record<string, Record<string, unknown>> = {
    awin: { publisherId: 'abc' },
    digistore24: { apiKey: 42 },
    sendgrid: { apiKey: 'not-a-sendgrid-key' },
    hetzner: { apiToken: 'short' },
    cloudflare: { accountId: 'not-hex' },
  };

  for (const id of builtinIds.connectors) {
    it(`connector ${id}: valid manifest, credential schema, not-implemented actions and check`, async function () {
      const def = (await load('connectors', id)) as ConnectorDefinition;
      expect(def.kind).to.equal('connector');
      expect(def.id).to.equal(id);
      expect(checkManifest(def)).to.deep.equal([]);
      expect(Object.keys(def.actions).length).to.be.greaterThan(0);
      const { schemas } = compilePluginSchemas(def);
      expect(schemas.credentials!(credentialSamples[id]), JSON.stringify(schemas.credentials!.errors)).to.equal(true);
      expect(schemas.credentials!(badCredentials[id])).to.equal(false);
      expect(schemas.credentials!({ ...credentialSamples[id], unexpected: 'x' })).to.equal(false);
      const ctx = createTestContext({ credentials: credentialSamples[id] });
      for (const [name, action] of Object.entries(def.actions)) {
        const err = await Promise.resolve().then(() => action.run({}, ctx)).then(() => undefined, (e) => e);
        expect(err, name).to.have.property('code', 'HUB_ERR_NOT_IMPLEMENTED');
      }
      const checkErr = await Promise.resolve().then(() => def.check!(ctx)).then(() => undefined, (e) => e);
      expect(checkErr).to.have.property('code', 'HUB_ERR_NOT_IMPLEMENTED');
    });
  }
});
