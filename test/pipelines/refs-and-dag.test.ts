/** Unit rules of definitions: cycle detection, reference parsing and resolution, retry delays. */
import { expect } from 'chai';
import { findCycle } from '../../core/pipelines/definition-validator.js';
import { findRefs, parseRef, resolveRefs } from '../../core/pipelines/refs.js';
import { retryDelayMs } from '../../core/pipelines/retry-policy.js';

describe('pipeline definitions: DAG and references', function () {
  it('finds a cycle and names its stages in order', function () {
    expect(findCycle([{ name: 'a', needs: ['c'] }, { name: 'b', needs: ['a'] }, { name: 'c', needs: ['b'] }])).to.deep.equal(['a', 'c', 'b', 'a']);
    expect(findCycle([{ name: 'a', needs: [] }, { name: 'b', needs: ['a'] }, { name: 'c', needs: ['a', 'b'] }])).to.equal(undefined);
  });

  it('parses references and refuses malformed or prototype-reaching paths', function () {
    expect(parseRef('input.site.url')).to.deep.equal({ root: 'input', path: ['site', 'url'] });
    expect(parseRef('stages.research.output.keywords.0')).to.deep.equal({ root: 'stage', stage: 'research', path: ['keywords', '0'] });
    expect(parseRef('run.siteId')).to.deep.equal({ root: 'run', field: 'siteId' });
    for (const bad of ['', 'env.SECRET', 'input.__proto__', 'stages.a.constructor', 'stages.a', 'stages.a.input', 'input..x', 'run.tenantId']) {
      expect(parseRef(bad), bad).to.have.property('error');
    }
  });

  it('finds every reference with its JSON pointer, including malformed reference objects', function () {
    const refs = findRefs({ a: { $ref: 'input.x' }, list: [1, { $ref: 'run.id' }], bad: { $ref: 'input.y', extra: 1 }, 'we/ird': { $ref: 7 } });
    expect(refs).to.deep.equal([
      { pointer: '/a', ref: 'input.x' },
      { pointer: '/list/1', ref: 'run.id' },
      { pointer: '/bad', ref: '' },
      { pointer: '/we~1ird', ref: '' },
    ]);
  });

  it('resolves references with own properties only; missing paths read null', function () {
    const scope = { input: { topic: 'shoes', nested: { list: ['x', 'y'] } }, run: { id: 'r1', siteId: null }, outputs: { research: { keywords: ['k1'] } } };
    const out = resolveRefs(
      { t: { $ref: 'input.topic' }, second: { $ref: 'input.nested.list.1' }, k: { $ref: 'stages.research.output.keywords' }, missing: { $ref: 'input.nope.deeper' }, proto: { $ref: 'input.toString' }, site: { $ref: 'run.siteId' }, keep: [1, 'two'] },
      scope,
    );
    expect(out).to.deep.equal({ t: 'shoes', second: 'y', k: ['k1'], missing: null, proto: null, site: null, keep: [1, 'two'] });
  });

  it('computes exponential backoff, capped, with jitter inside [delay/2, delay]', function () {
    const policy = { attempts: 5, backoffMs: 100, maxBackoffMs: 300, jitter: false };
    expect([1, 2, 3, 4].map((n) => retryDelayMs(policy, n))).to.deep.equal([100, 200, 300, 300]);
    const jittered = { ...policy, jitter: true };
    expect(retryDelayMs(jittered, 2, () => 0)).to.equal(100);
    expect(retryDelayMs(jittered, 2, () => 1)).to.equal(200);
  });
});
