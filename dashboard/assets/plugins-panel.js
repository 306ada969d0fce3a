/** Plugin status from GET /api/v1/plugins: load state, enabled, calls and failures. */
import { byId, h, show } from './dom.js';

export function renderPlugins(items) {
  const list = byId('plugin-list');
  const sorted = [...items].sort((a, b) => String(a.kind).localeCompare(String(b.kind)) || a.id.localeCompare(b.id));
  list.replaceChildren(
    ...sorted.map((p) => {
      const state = p.status === 'ready' && p.enabled === false ? 'disabled' : p.status;
      const health = p.health ?? {};
      return h('li', { class: 'plugin', dataset: { status: state } },
        h('span', { class: 'dot', dataset: { status: state }, 'aria-hidden': 'true' }),
        h('span', { class: 'plugin-main' },
          h('span', { class: 'plugin-name' }, p.id),
          h('span', { class: 'muted small' }, [p.kind, p.version ? `v${p.version}` : null].filter(Boolean).join(' · ')),
        ),
        h('span', { class: 'plugin-stats muted small', title: p.failure?.message ?? '' },
          p.failure ? p.failure.code ?? 'failed' : `${health.calls ?? 0} calls${health.failures ? ` · ${health.failures} failed` : ''}`),
        h('span', { class: 'badge', dataset: { status: state } }, state),
      );
    }),
  );
  show(byId('plugins-empty'), sorted.length === 0);
}
