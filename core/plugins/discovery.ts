/**
 * Finds plugin modules without loading them: built-in folders, installed
 * packages named `switchyard-plugin-*` (also `@scope/switchyard-plugin-*`),
 * and module paths from PLUGIN_PATHS. Order is stable (built-ins, packages,
 * paths) so that "first one wins" for duplicate ids is predictable.
 */
import fs from 'node:fs';
import path from 'node:path';

export type PluginSource = 'builtin' | 'package' | 'path';

export interface PluginCandidate {
  source: PluginSource;
  /** A human name for listings: folder, package or file name. */
  origin: string;
  /** Absolute path of the module to import; undefined when it could not be determined. */
  entry?: string;
  /** Set when the candidate is broken before loading (e.g. a package without an entry). */
  problem?: string;
}

export interface DiscoveryOptions {
  builtinDirs: string[];
  packageDirs: string[];
  paths: string[];
}

const PACKAGE_PREFIX = 'switchyard-plugin-';
const entryNames = ['index.ts', 'index.mts', 'index.js', 'index.mjs'];

function listDirs(dir: string): string[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() || d.isSymbolicLink())
      .map((d) => d.name)
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

function firstExisting(dir: string, names: string[]): string | undefined {
  for (const name of names) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  return undefined;
}

/** The module a package exports: `exports["."]` (import/default), then `main`, then index.*. */
function packageEntry(dir: string): { entry?: string; name?: string; problem?: string } {
  let pkg: { name?: string; main?: string; exports?: unknown };
  try {
    pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  } catch (err) {
    return { problem: `package.json is missing or not JSON: ${(err as Error).message}` };
  }
  let target: unknown = pkg.exports;
  if (target && typeof target === 'object' && '.' in (target as object)) target = (target as Record<string, unknown>)['.'];
  if (target && typeof target === 'object') {
    const conditions = target as Record<string, unknown>;
    target = conditions.import ?? conditions.default ?? conditions.node;
  }
  const relative = typeof target === 'string' ? target : pkg.main;
  if (relative) {
    const file = path.resolve(dir, relative);
    if (!file.startsWith(dir + path.sep)) return { name: pkg.name, problem: 'package entry points outside the package' };
    if (!fs.existsSync(file)) return { name: pkg.name, problem: `package entry ${relative} does not exist` };
    return { entry: file, name: pkg.name };
  }
  const fallback = firstExisting(dir, entryNames);
  return fallback ? { entry: fallback, name: pkg.name } : { name: pkg.name, problem: 'package has no exports, main or index file' };
}

function packageCandidates(packageDir: string): PluginCandidate[] {
  const found: PluginCandidate[] = [];
  const consider = (dir: string, name: string) => {
    const { entry, problem } = packageEntry(dir);
    found.push({ source: 'package', origin: name, entry, problem });
  };
  for (const name of listDirs(packageDir)) {
    if (name.startsWith(PACKAGE_PREFIX)) consider(path.join(packageDir, name), name);
    else if (name.startsWith('@')) {
      for (const scoped of listDirs(path.join(packageDir, name))) {
        if (scoped.startsWith(PACKAGE_PREFIX)) consider(path.join(packageDir, name, scoped), `${name}/${scoped}`);
      }
    }
  }
  return found;
}

/** A PLUGIN_PATHS entry: a module file, a package folder, or a folder with an index file. */
function pathCandidate(p: string): PluginCandidate {
  const resolved = path.resolve(p);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(resolved);
  } catch {
    return { source: 'path', origin: p, problem: 'the file does not exist' };
  }
  if (!stat.isDirectory()) return { source: 'path', origin: p, entry: resolved };
  if (fs.existsSync(path.join(resolved, 'package.json'))) {
    const { entry, problem } = packageEntry(resolved);
    return { source: 'path', origin: p, entry, problem };
  }
  const entry = firstExisting(resolved, entryNames);
  return { source: 'path', origin: p, entry, problem: entry ? undefined : 'the folder has no index file' };
}

export function discoverPlugins(options: DiscoveryOptions): PluginCandidate[] {
  const candidates: PluginCandidate[] = [];
  for (const dir of options.builtinDirs) {
    for (const name of listDirs(dir)) {
      const entry = firstExisting(path.join(dir, name), entryNames);
      if (entry) candidates.push({ source: 'builtin', origin: name, entry });
    }
  }
  for (const dir of options.packageDirs) candidates.push(...packageCandidates(dir));
  for (const p of options.paths) candidates.push(pathCandidate(p));
  return candidates;
}
