import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The hub's version, from package.json. */
export const hubVersion: string = (require('../package.json') as { version: string }).version;
