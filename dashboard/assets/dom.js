/**
 * Tiny DOM helpers. Text always goes in as text nodes (never HTML), so
 * content from agents, LLMs or webhooks cannot inject markup.
 */
const SVG_NS = 'http://www.w3.org/2000/svg';

/** Creates an element: h('li', { class: 'x', dataset: { id } }, 'text', child). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

/** Same as h() for SVG elements. */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

function applyAttrs(el, attrs) {
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
}

function append(el, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function byId(id) {
  return document.getElementById(id);
}

export function show(el, visible) {
  el.hidden = !visible;
}

/** "3.2 s", "1 min 4 s", "—". */
export function duration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const min = Math.floor(ms / 60_000);
  return `${min} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function between(start, end) {
  if (!start) return NaN;
  return (end ? Date.parse(end) : Date.now()) - Date.parse(start);
}

export function clock(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const today = new Date().toDateString() === d.toDateString();
  return today ? clock(iso) : d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** One line describing a JSON value, for output summaries. */
export function summarize(value, max = 120) {
  if (value === undefined || value === null) return '';
  let text;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'object' && !Array.isArray(value)) {
    text = Object.entries(value)
      .map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? (Array.isArray(v) ? `[${v.length}]` : '{…}') : String(v)}`)
      .join(', ');
  } else text = JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function shortId(id) {
  return typeof id === 'string' ? id.slice(0, 8) : '';
}
