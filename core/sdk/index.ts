/** Public entry for plugin authors: `import { defineAgent } from 'switchyard/sdk'`. */
export * from './types.js';
export * from './define.js';
export * from './errors.js';
export * from './testing.js';
