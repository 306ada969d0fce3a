/** The README is the front door: its tables must not drift from the code. */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { configVariables } from '../../core/config.js';
import { errorCatalogue } from '../../core/errors.js';
import { repoRoot } from '../support/processes.js';

const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

describe('README', function () {
  it('shows the two front-door commands', function () {
    expect(readme).to.include('npm ci && npm start');
    expect(readme).to.include('npm test');
  });

  it('documents every configuration variable', function () {
    const missing = configVariables().map((v) => v.name).filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).to.deep.equal([]);
  });

  it('tables every error code with its status', function () {
    const missing = Object.entries(errorCatalogue)
      .filter(([code, { status }]) => !new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${status}\\s*\\|`).test(readme))
      .map(([code]) => code);
    expect(missing).to.deep.equal([]);
  });
});
