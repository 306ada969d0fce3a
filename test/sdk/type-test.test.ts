/**
 * The type test: a sample third-party plugin (agent + connector with webhook,
 * typed config and credentials, harness use) compiles with tsc against the
 * public SDK only, and a file of misuses must fail to compile line by line
 * (an unused @ts-expect-error is itself an error).
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../support/processes.js';

const sampleDir = path.join(repoRoot, 'test', 'fixtures', 'plugins', 'typed-plugin');

describe('SDK type test', function () {
  this.timeout(60_000);

  it('the sample plugin imports nothing but switchyard/sdk', function () {
    for (const file of ['index.ts', 'misuse.ts']) {
      const source = fs.readFileSync(path.join(sampleDir, file), 'utf8');
      const specifiers = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      expect(specifiers.length, file).to.be.greaterThan(0);
      expect(new Set(specifiers), file).to.deep.equal(new Set(['switchyard/sdk']));
    }
  });

  it('compiles the sample against the public SDK types, and rejects every misuse', function () {
    const tsc = path.join(repoRoot, 'node_modules', '.bin', 'tsc');
    const result = spawnSync(tsc, ['-p', path.join(sampleDir, 'tsconfig.json')], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).to.equal('');
    expect(result.status).to.equal(0);
  });
});
