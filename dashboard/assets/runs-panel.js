/**
 * The live list of recent runs: pipeline, status, and one progress segment
 * per stage. Updated in place from run and stage events of the tenant room.
 */
import { byId, h, show, shortId, when } from './dom.js';
import { RUN_STATUS_BY_EVENT, stageName, stageStatus as statusOf } from './events.js';

const MAX_RUNS = 30;

export class RunsPanel {
  /** @param {{ pipelineName: (id: string) => string, onSelect: (runId: string) => void }} options */
  constructor(options) {
    this.options = options;
    this.runs = new Map();
    this.selected = undefined;
    this.list = byId('run-list');
  }

  /** Replaces the list with runs from the API (newest first). */
  load(runs) {
    this.runs.clear();
    for (const run of runs.slice(0, MAX_RUNS)) this.runs.set(run.id, normalize(run));
    this.render();
  }

  has(runId) {
    return this.runs.has(runId);
  }

  upsert(run) {
    const existing = this.runs.get(run.id);
    const next = normalize(run);
    if (next.stages.length === 0 && existing) next.stages = existing.stages;
    this.runs.set(run.id, next);
    this.render();
  }

  select(runId) {
    this.selected = runId;
    this.render();
  }

  /** Applies a run or stage event; returns false when the run is not listed (the caller fetches it). */
  apply(event) {
    const run = this.runs.get(event.runId);
    if (!run) return false;
    const runStatus = RUN_STATUS_BY_EVENT[event.name];
    if (runStatus) {
      run.status = runStatus;
      if (runStatus === 'running') run.startedAt ??= event.at;
      if (['completed', 'failed', 'cancelled'].includes(runStatus)) run.finishedAt = event.at;
    }
    const stageStatus = statusOf(event);
    if (stageStatus) {
      const stage = run.stages.find((st) => st.name === stageName(event));
      if (stage) stage.status = stageStatus;
      else run.stages.push({ name: stageName(event), status: stageStatus });
    }
    if (runStatus || stageStatus) this.render();
    return true;
  }

  render() {
    const items = [...this.runs.values()].sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? '')).slice(0, MAX_RUNS);
    this.list.replaceChildren(...items.map((run) => this.item(run)));
    show(byId('runs-empty'), items.length === 0);
  }

  item(run) {
    const done = run.stages.filter((st) => st.status === 'completed').length;
    return h('li', { class: 'run-item', dataset: { runId: run.id, status: run.status } },
      h('button', { type: 'button', class: 'run-button', 'aria-current': run.id === this.selected ? 'true' : false, onclick: () => this.options.onSelect(run.id) },
        h('span', { class: 'run-line' },
          h('span', { class: 'run-name' }, this.options.pipelineName(run.pipelineId)),
          h('span', { class: 'badge', dataset: { status: run.status } }, run.status),
        ),
        h('span', { class: 'progress', role: 'img', 'aria-label': `${done} of ${run.stages.length} stages completed` },
          ...run.stages.map((st) => h('span', { class: 'segment', dataset: { status: st.status }, title: `${st.name}: ${st.status}` })),
        ),
        h('span', { class: 'run-sub muted' }, `${shortId(run.id)} · ${when(run.createdAt)} · ${done}/${run.stages.length} stages`),
      ),
    );
  }
}

export function normalize(run) {
  return {
    id: run.id,
    pipelineId: run.pipelineId,
    status: run.status,
    createdAt: run.createdAt,
    startedAt: run.startedAt ?? null,
    finishedAt: run.finishedAt ?? null,
    stages: (run.stages ?? []).map((st) => ({ name: st.name, status: st.status })),
  };
}
