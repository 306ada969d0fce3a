/**
 * Draws a pipeline's stages as a left-to-right graph: a stage's column is
 * one more than the deepest stage it needs, so stages that run in parallel
 * stand in the same column. Boxes are coloured by status.
 */
import { s } from './dom.js';

const BOX_W = 148;
const BOX_H = 40;
const COL_GAP = 44;
const ROW_GAP = 14;
const PAD = 6;

function layout(stages) {
  const byName = new Map(stages.map((st) => [st.name, st]));
  const depth = new Map();
  const depthOf = (name, seen = new Set()) => {
    if (depth.has(name)) return depth.get(name);
    if (seen.has(name)) return 0; // defensive: definitions are acyclic, checked by the hub
    seen.add(name);
    const needs = (byName.get(name)?.needs ?? []).filter((n) => byName.has(n));
    const d = needs.length === 0 ? 0 : 1 + Math.max(...needs.map((n) => depthOf(n, seen)));
    depth.set(name, d);
    return d;
  };
  const columns = [];
  for (const st of stages) {
    const d = depthOf(st.name);
    (columns[d] ??= []).push(st.name);
  }
  const pos = new Map();
  columns.forEach((names, col) =>
    names.forEach((name, row) => pos.set(name, { x: PAD + col * (BOX_W + COL_GAP), y: PAD + row * (BOX_H + ROW_GAP) })),
  );
  const rows = Math.max(1, ...columns.map((c) => c?.length ?? 0));
  return { pos, width: PAD * 2 + columns.length * BOX_W + (columns.length - 1) * COL_GAP, height: PAD * 2 + rows * BOX_H + (rows - 1) * ROW_GAP };
}

function clip(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Renders `stages` ([{ name, agentId, status, needs }]) into the SVG element. */
export function renderDag(svg, stages) {
  svg.replaceChildren();
  if (stages.length === 0) return;
  const { pos, width, height } = layout(stages);
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.append(
    s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 8 8', refX: '7', refY: '4', markerWidth: '7', markerHeight: '7', orient: 'auto' }, s('path', { d: 'M0,0 L8,4 L0,8 z', class: 'dag-arrow' }))),
  );
  for (const st of stages) {
    for (const need of st.needs ?? []) {
      const a = pos.get(need);
      const b = pos.get(st.name);
      if (!a || !b) continue;
      const x1 = a.x + BOX_W;
      const y1 = a.y + BOX_H / 2;
      const x2 = b.x - 2;
      const y2 = b.y + BOX_H / 2;
      const mid = (x1 + x2) / 2;
      svg.append(s('path', { d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, class: 'dag-edge', 'marker-end': 'url(#arrow)' }));
    }
  }
  for (const st of stages) {
    const p = pos.get(st.name);
    svg.append(
      s('g', { class: 'dag-node', 'data-status': st.status, 'data-stage': st.name, transform: `translate(${p.x},${p.y})` },
        s('title', {}, `${st.name} (${st.agentId ?? ''}): ${st.status}`),
        s('rect', { width: BOX_W, height: BOX_H, rx: 7 }),
        s('circle', { cx: 13, cy: BOX_H / 2, r: 4.5, class: 'dag-dot' }),
        s('text', { x: 24, y: 17, class: 'dag-name' }, clip(st.name, 17)),
        s('text', { x: 24, y: 31, class: 'dag-agent' }, clip(st.agentId ?? '', 20)),
      ),
    );
  }
}
