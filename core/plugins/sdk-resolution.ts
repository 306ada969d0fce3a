/**
 * Installs the `switchyard/sdk` resolution hook once per process. The hub
 * calls it before importing any plugin; `node --import switchyard/register`
 * calls it for a plugin author's own tests.
 */
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { sdkEntry } from './paths.js';

const installed = Symbol.for('switchyard.sdkResolution');

export function registerSdkResolution(): void {
  const g = globalThis as Record<symbol, unknown>;
  if (g[installed]) return;
  g[installed] = true;
  register(new URL('./sdk-resolve-hook.mjs', import.meta.url), { data: { sdkUrl: pathToFileURL(sdkEntry).href } });
}
