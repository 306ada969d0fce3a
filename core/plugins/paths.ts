/** Where the hub's own files are: built-in plugin folders and the default package directory. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The hub package root (the folder holding package.json). */
export const hubRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Built-in agents and connectors, one folder each with an index.ts. */
export const builtinDirs = [path.join(hubRoot, 'plugins'), path.join(hubRoot, 'connectors')];

/** Default place to look for installed `switchyard-plugin-*` packages. */
export const defaultPackageDir = path.join(hubRoot, 'node_modules');

/** The public SDK entry that `switchyard/sdk` must resolve to. */
export const sdkEntry = path.join(hubRoot, 'core', 'sdk', 'index.ts');
