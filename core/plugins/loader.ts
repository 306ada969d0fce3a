/**
 * Imports one discovered module and checks its manifest. Never throws: every
 * problem becomes a failed PluginRecord whose reason names the plugin, so one
 * broken plugin cannot stop the hub from starting with the others.
 */
import { pathToFileURL } from 'node:url';
import type { PluginDefinition } from '../sdk/types.js';
import { PLUGIN_API_VERSION } from '../sdk/types.js';
import type { PluginCandidate } from './discovery.js';
import { checkAndCompile, isCompatible } from './manifest.js';
import type { PluginFailure, PluginRecord } from './plugin-record.js';
import { withTimeout } from './timeout.js';

function failed(candidate: PluginCandidate, id: string, failure: PluginFailure, def?: Partial<PluginDefinition>): PluginRecord {
  return {
    id,
    kind: def?.kind === 'agent' || def?.kind === 'connector' ? def.kind : undefined,
    version: typeof def?.version === 'string' ? def.version : undefined,
    hub: typeof def?.hub === 'string' ? def.hub : undefined,
    description: typeof def?.description === 'string' ? def.description : undefined,
    source: candidate.source,
    origin: candidate.origin,
    status: 'failed',
    failure,
  };
}

function loadHint(message: string): string {
  if (message.includes("'switchyard/sdk'") || message.includes('"switchyard/sdk"')) {
    return `${message} (plugin packages must be ES modules: "type": "module" in package.json)`;
  }
  return message;
}

export async function loadCandidate(candidate: PluginCandidate, timeoutMs: number): Promise<PluginRecord> {
  const name = candidate.origin;
  if (candidate.problem || !candidate.entry) {
    return failed(candidate, name, { code: 'HUB_ERR_PLUGIN_LOAD_FAILED', message: `${name}: ${candidate.problem ?? 'no module to load'}` });
  }
  let mod: { default?: unknown };
  try {
    // A module with top-level await could hang the boot: the start timeout covers the import too.
    mod = await withTimeout(import(pathToFileURL(candidate.entry).href), timeoutMs, `loading did not finish within ${timeoutMs} ms`);
  } catch (err) {
    return failed(candidate, name, { code: 'HUB_ERR_PLUGIN_LOAD_FAILED', message: `${name}: ${loadHint((err as Error)?.message ?? String(err))}` });
  }
  const def = mod.default as Partial<PluginDefinition> | undefined;
  if (!def || typeof def !== 'object') {
    return failed(candidate, name, { code: 'HUB_ERR_PLUGIN_MANIFEST_INVALID', message: `${name}: the module has no default export made with defineAgent or defineConnector` });
  }
  const id = typeof def.id === 'string' && def.id.length > 0 && def.id.length <= 64 ? def.id : name;
  const { problems, schemas } = checkAndCompile(def);
  if (problems.length > 0) {
    const incompatible = problems.length === 1 && problems[0].path === '/hub' && typeof def.hub === 'string' && !isCompatible(def.hub);
    if (incompatible) {
      return failed(candidate, id, {
        code: 'HUB_ERR_PLUGIN_INCOMPATIBLE',
        message: `${id}: supports plugin API ${def.hub}, but this hub provides ${PLUGIN_API_VERSION}`,
        details: problems,
      }, def);
    }
    return failed(candidate, id, {
      code: 'HUB_ERR_PLUGIN_MANIFEST_INVALID',
      message: `${id}: invalid manifest: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
      details: problems,
    }, def);
  }
  const definition = def as PluginDefinition;
  return {
    id: definition.id,
    kind: definition.kind,
    version: definition.version,
    hub: definition.hub,
    description: definition.description,
    source: candidate.source,
    origin: candidate.origin,
    status: 'loading',
    definition,
    schemas,
  };
}
