/**
 * `{"$ref": "<path>"}` references inside a stage's task input: found and
 * checked at save time, replaced by values when the stage runs. Property
 * access is own-properties only, so a path can never reach a prototype.
 */

export interface RefSite {
  /** JSON pointer of the reference object inside the task input. */
  pointer: string;
  ref: string;
}

export type ParsedRef =
  | { root: 'input'; path: string[] }
  | { root: 'stage'; stage: string; path: string[] }
  | { root: 'run'; field: 'id' | 'siteId' };

const segment = /^[A-Za-z0-9_-]{1,100}$/;
const forbidden = new Set(['__proto__', 'constructor', 'prototype']);

function isRefObject(value: unknown): value is { $ref: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, '$ref');
}

/** Every `$ref` object in `value`; an object with `$ref` plus other keys is reported with ref ''. */
export function findRefs(value: unknown, pointer = ''): RefSite[] {
  if (isRefObject(value)) {
    const keys = Object.keys(value);
    return [{ pointer, ref: keys.length === 1 && typeof value.$ref === 'string' ? value.$ref : '' }];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => findRefs(v, `${pointer}/${i}`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => findRefs(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`));
  }
  return [];
}

/** Parses a reference path, or returns the reason it is malformed. */
export function parseRef(ref: string): ParsedRef | { error: string } {
  if (ref === '') return { error: 'a reference object must be exactly {"$ref": "<path>"}' };
  const parts = ref.split('.');
  const bad = parts.find((p) => !segment.test(p) || forbidden.has(p));
  if (bad !== undefined) return { error: `"${ref}" has an invalid segment "${bad}"` };
  if (parts[0] === 'input') return { root: 'input', path: parts.slice(1) };
  if (parts[0] === 'run') {
    if (parts.length === 2 && (parts[1] === 'id' || parts[1] === 'siteId')) return { root: 'run', field: parts[1] };
    return { error: `"${ref}": only run.id and run.siteId can be referenced` };
  }
  if (parts[0] === 'stages') {
    if (parts.length < 3 || parts[2] !== 'output') return { error: `"${ref}": a stage reference reads stages.<stage>.output[.<path>]` };
    return { root: 'stage', stage: parts[1], path: parts.slice(3) };
  }
  return { error: `"${ref}" must start with input., stages. or run.` };
}

function dig(value: unknown, path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return null;
    current = (current as Record<string, unknown>)[key];
  }
  return current === undefined ? null : current;
}

export interface RefScope {
  input: unknown;
  run: { id: string; siteId: string | null };
  /** Outputs of finished stages; a failed stage (onError: continue) reads as null. */
  outputs: Record<string, unknown>;
}

/** A copy of `value` with every reference replaced; a missing path resolves to null. */
export function resolveRefs(value: unknown, scope: RefScope): unknown {
  if (isRefObject(value)) {
    const parsed = parseRef(typeof value.$ref === 'string' ? value.$ref : '');
    if ('error' in parsed) return null; // rejected at save time; stays inert if a stored definition predates a rule
    if (parsed.root === 'input') return dig(scope.input, parsed.path);
    if (parsed.root === 'run') return scope.run[parsed.field];
    return Object.hasOwn(scope.outputs, parsed.stage) ? dig(scope.outputs[parsed.stage], parsed.path) : null;
  }
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, scope));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolveRefs(v, scope);
    return out;
  }
  return value;
}
