/** Writes a new plugin package to disk (the `switchyard plugin new` command). */
import fs from 'node:fs';
import path from 'node:path';
import { pluginIdPattern } from '../manifest.js';
import { hubRoot } from '../paths.js';
import { scaffoldFiles } from './templates.js';

const pluginNamePattern = new RegExp(pluginIdPattern);

export interface ScaffoldOptions {
  name: string;
  kind: 'agent' | 'connector';
  /** Parent folder; the package goes into <dir>/switchyard-plugin-<name>. */
  dir: string;
}

/** Creates the package and returns its folder; refuses to overwrite a non-empty folder. */
export function scaffoldPlugin(options: ScaffoldOptions): string {
  if (!pluginNamePattern.test(options.name) || options.name.length < 2 || options.name.length > 50) {
    throw new Error('a plugin name is 2-50 lowercase letters and digits in dash-separated words, e.g. price-watch');
  }
  if (options.kind !== 'agent' && options.kind !== 'connector') throw new Error('--kind must be agent or connector');
  const target = path.resolve(options.dir, `switchyard-plugin-${options.name}`);
  if (fs.existsSync(target) && fs.readdirSync(target).length > 0) throw new Error(`${target} exists and is not empty`);
  for (const [file, content] of Object.entries(scaffoldFiles({ name: options.name, kind: options.kind, hubRoot }))) {
    const full = path.join(target, file);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
  }
  return target;
}
