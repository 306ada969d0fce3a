/**
 * Revenue per site per day as stacked bars: one bar per day, one colour per
 * site, net of refunds (reversals stack below the zero line). Drawn as SVG at
 * the container's pixel width so labels stay readable on a phone.
 */
import { byId, h, s, show } from './dom.js';

const COLORS = ['#2457d6', '#1c9a6c', '#d9822b', '#8a4fd1', '#d6455d', '#2a9bb5', '#7b8a1f', '#6d6d6d'];

/** The last `n` calendar days as YYYY-MM-DD (UTC), oldest first. */
export function lastDays(n, now = new Date()) {
  const out = [];
  for (let i = n - 1; i >= 0; i--) out.push(new Date(now.getTime() - i * 86_400_000).toISOString().slice(0, 10));
  return out;
}

/**
 * @param {Array<{ site: { id: string, name?: string, domain?: string }, days: Array<{ day: string, currency: string, net: string | number }> }>} series
 */
export function renderRevenue(series, days) {
  const container = byId('revenue-chart');
  // One currency per chart: the one with the most rows; others are named in the caption.
  const counts = new Map();
  for (const sr of series) for (const d of sr.days) counts.set(d.currency, (counts.get(d.currency) ?? 0) + 1);
  const currency = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  const rows = series
    .map((sr, i) => {
      const byDay = new Map();
      for (const d of sr.days) if (d.currency === currency) byDay.set(String(d.day).slice(0, 10), (byDay.get(String(d.day).slice(0, 10)) ?? 0) + Number(d.net));
      return { label: sr.site.name || sr.site.domain || sr.site.id.slice(0, 8), color: COLORS[i % COLORS.length], byDay };
    })
    .filter((r) => [...r.byDay.values()].some((v) => v !== 0));
  show(byId('revenue-empty'), rows.length === 0);
  container.replaceChildren();
  if (rows.length === 0) return;

  const width = Math.max(280, container.clientWidth || 560);
  const height = 190;
  const m = { top: 10, right: 8, bottom: 24, left: 48 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  let max = 0;
  let min = 0;
  for (const day of days) {
    let pos = 0;
    let neg = 0;
    for (const r of rows) {
      const v = r.byDay.get(day) ?? 0;
      if (v > 0) pos += v;
      else neg += v;
    }
    max = Math.max(max, pos);
    min = Math.min(min, neg);
  }
  if (max === min) max = min + 1;
  const y = (v) => m.top + ((max - v) / (max - min)) * plotH;
  const band = plotW / days.length;
  const barW = Math.max(4, Math.min(28, band * 0.62));
  const svg = s('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `Net revenue per day in ${currency}` });

  for (const t of ticks(min, max)) {
    svg.append(
      s('line', { x1: m.left, x2: width - m.right, y1: y(t), y2: y(t), class: t === 0 ? 'axis' : 'grid' }),
      s('text', { x: m.left - 6, y: y(t) + 4, class: 'tick', 'text-anchor': 'end' }, formatAmount(t)),
    );
  }
  const labelEvery = Math.ceil(days.length / Math.max(1, Math.floor(plotW / 46)));
  days.forEach((day, i) => {
    const x = m.left + i * band + (band - barW) / 2;
    let pos = 0;
    let neg = 0;
    for (const r of rows) {
      const v = r.byDay.get(day) ?? 0;
      if (v === 0) continue;
      const from = v > 0 ? pos : neg;
      const to = from + v;
      if (v > 0) pos = to;
      else neg = to;
      svg.append(
        s('rect', { x, width: barW, y: Math.min(y(from), y(to)), height: Math.max(1, Math.abs(y(from) - y(to))), fill: r.color, rx: 2 },
          s('title', {}, `${r.label} · ${day}: ${formatAmount(v)} ${currency}`)),
      );
    }
    if (i % labelEvery === 0 || i === days.length - 1) {
      svg.append(s('text', { x: m.left + i * band + band / 2, y: height - 6, class: 'tick', 'text-anchor': 'middle' }, day.slice(5)));
    }
  });
  const otherCurrencies = [...counts.keys()].filter((c) => c !== currency);
  container.append(
    svg,
    h('ul', { class: 'legend' }, ...rows.map((r) => h('li', {}, swatch(r.color), r.label))),
    h('p', { class: 'muted small' }, `Net per day in ${currency}${otherCurrencies.length ? ` (also sold in ${otherCurrencies.join(', ')})` : ''}`),
  );
}

/** CSP forbids style attributes; setting the property through the CSSOM is allowed. */
function swatch(color) {
  const el = h('span', { class: 'swatch' });
  el.style.background = color;
  return el;
}

function ticks(min, max) {
  const span = max - min;
  const step = niceStep(span / 4);
  const out = [];
  for (let t = Math.ceil(min / step) * step; t <= max + 1e-9; t += step) out.push(Math.round(t * 100) / 100);
  if (!out.includes(0)) out.push(0);
  return out;
}

function niceStep(raw) {
  const pow = 10 ** Math.floor(Math.log10(raw || 1));
  for (const f of [1, 2, 2.5, 5, 10]) if (raw <= f * pow) return f * pow;
  return 10 * pow;
}

function formatAmount(v) {
  return Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(1)}k` : String(Math.round(v * 100) / 100);
}
