#!/usr/bin/env node
// The hub runs its TypeScript sources directly through tsx's loader, so the
// same files serve `npm start`, the CLI, the tests and third-party TS plugins.
import { register } from 'tsx/esm/api';

register();
await import('../core/cli/main.ts');
