/**
 * Trigger rules, the pure part: does an event match a rule (type pattern plus
 * filters on event fields), and what pipeline input does the rule's mapping
 * produce. Paths are dotted (`data.amount`, `ledger.siteRef`) over the event
 * view below; templates are `{{path}}` (a whole-string template keeps the
 * value's type, otherwise values are interpolated as text).
 */

export interface EventView {
  id: string;
  type: string;
  connector: string;
  source: string;
  providerEventId: string;
  occurredAt: string | null;
  receivedAt: string;
  siteId: string | null;
  data: Record<string, unknown>;
  ledger: Record<string, unknown> | null;
}

export type FilterOp = 'eq' | 'ne' | 'in' | 'nin' | 'gt' | 'gte' | 'lt' | 'lte' | 'contains' | 'exists';

export interface RuleFilter {
  path: string;
  op: FilterOp;
  value?: unknown;
}

export interface RuleCriteria {
  /** Exact type, a prefix pattern (`digistore24.*`) or `*`. */
  eventType: string;
  filters: RuleFilter[];
}

export function valueAt(root: unknown, path: string): unknown {
  let current: unknown = root;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

export function typeMatches(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  return undefined;
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const na = asNumber(a);
  const nb = asNumber(b);
  if (na !== undefined && nb !== undefined) return na === nb;
  return typeof a !== 'object' && typeof b !== 'object' && String(a) === String(b);
}

export function filterMatches(filter: RuleFilter, view: EventView): boolean {
  const actual = valueAt(view, filter.path);
  const expected = filter.value;
  switch (filter.op) {
    case 'exists': return (actual !== undefined && actual !== null && actual !== '') === (expected !== false);
    case 'eq': return same(actual, expected);
    case 'ne': return !same(actual, expected);
    case 'in': return Array.isArray(expected) && expected.some((e) => same(actual, e));
    case 'nin': return Array.isArray(expected) && !expected.some((e) => same(actual, e));
    case 'contains':
      if (Array.isArray(actual)) return actual.some((a) => same(a, expected));
      return typeof actual === 'string' && typeof expected === 'string' && actual.includes(expected);
    default: {
      const a = asNumber(actual);
      const b = asNumber(expected);
      if (a === undefined || b === undefined) return false;
      return filter.op === 'gt' ? a > b : filter.op === 'gte' ? a >= b : filter.op === 'lt' ? a < b : a <= b;
    }
  }
}

export function ruleMatches(rule: RuleCriteria, view: EventView): boolean {
  return typeMatches(rule.eventType, view.type) && rule.filters.every((f) => filterMatches(f, view));
}

const WHOLE = /^\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}$/;
const PART = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

/** Applies an input mapping; an empty mapping passes `{ event }`. */
export function mapInput(mapping: unknown, view: EventView): unknown {
  if (mapping === null || mapping === undefined || (typeof mapping === 'object' && !Array.isArray(mapping) && Object.keys(mapping).length === 0)) {
    return { event: view };
  }
  const walk = (node: unknown, depth: number): unknown => {
    if (depth > 20) return null;
    if (typeof node === 'string') {
      const whole = WHOLE.exec(node);
      if (whole) return valueAt(view, whole[1]) ?? null;
      return node.replace(PART, (_m, path: string) => {
        const v = valueAt(view, path);
        return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
      });
    }
    if (Array.isArray(node)) return node.map((n) => walk(n, depth + 1));
    if (node && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, depth + 1)]));
    }
    return node;
  };
  return walk(mapping, 0);
}
