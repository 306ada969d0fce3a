import { expect } from 'chai';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';

interface RouterLayer {
  path: string;
  methods: string[];
}

/** Every method+path the running Koa app routes, read from the routers themselves. */
function routedOperations(h: TestHub): string[] {
  const ops: string[] = [];
  for (const mw of h.hub.app.middleware as Array<{ router?: { stack: RouterLayer[] } }>) {
    for (const layer of mw.router?.stack ?? []) {
      for (const method of layer.methods.filter((m) => m !== 'HEAD')) {
        // `\\:` in a router path is a literal colon (e.g. /runs\\:bulk), not a parameter.
        ops.push(`${method} ${layer.path.replace(/(?<!\\):([A-Za-z0-9_]+)/g, '{$1}').replace(/\\:/g, ':')}`);
      }
    }
  }
  return ops;
}

describe('OpenAPI document', function () {
  let database: TestDatabase;
  let h: TestHub;
  let doc: Record<string, any>;

  before(async function () {
    database = await createTestDatabase('sqlite');
    h = await startTestHub(database);
    const res = await fetch(`${h.url}/api/v1/openapi.json`);
    expect(res.status).to.equal(200);
    doc = await res.json();
  });
  after(async function () {
    await h.stop();
    await database.cleanup();
  });

  it('is a valid OpenAPI 3.1 document', async function () {
    expect(doc.openapi).to.match(/^3\.1\./);
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).to.deep.equal([]);
    expect(result.valid).to.equal(true);
    // The validator itself must be able to say no.
    const broken = { ...doc, paths: { '/x': { get: { responses: { 200: { content: 'nope' } } } } } };
    expect((await new Validator().validate(broken)).valid).to.equal(false);
  });

  it('lists every route the app serves, with its method', function () {
    const routed = routedOperations(h);
    expect(routed.length).to.be.greaterThan(5);
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(documented.sort()).to.deep.equal([...new Set(routed)].sort());
  });

  it('documents request bodies with the schemas that validate them', function () {
    const createSite = doc.paths['/api/v1/sites'].post;
    expect(createSite.requestBody.content['application/json'].schema.required).to.include('domain');
    expect(createSite.responses['400']).to.exist;
    expect(createSite.responses['401']).to.exist;
  });
});
