/**
 * One run, live: its stage graph, a row per stage (status, duration, output
 * summary) and the stream of agent messages as they happen. The view starts
 * from the run as the API returns it and then applies the run's events in
 * seq order (history by replay, then live), so it shows the same thing
 * whether it was open from the start or opened late.
 */
import { between, byId, clock, duration, h, show, shortId, summarize, when } from './dom.js';
import { renderDag } from './dag.js';
import { RUN_STATUS_BY_EVENT, describeMessage, stageName, stageStatus as statusOf } from './events.js';

const MAX_MESSAGES = 500;

export class RunView {
  constructor() {
    this.run = undefined;
    this.stages = [];
    this.messages = 0;
    this.timer = setInterval(() => this.tickDurations(), 1000);
  }

  clear() {
    this.run = undefined;
    show(byId('run-empty'), true);
    show(byId('run-detail'), false);
    show(byId('run-status'), false);
    byId('run-title').textContent = 'Run';
  }

  /** Shows `run` (from GET /api/v1/runs/:id) with the stage graph of its pipeline definition. */
  open(run, definition, pipelineName) {
    const needs = new Map((definition?.stages ?? []).map((st) => [st.name, st.needs ?? []]));
    const agents = new Map((definition?.stages ?? []).map((st) => [st.name, st.agent]));
    const fromRun = run.stages ?? [];
    const names = fromRun.length ? fromRun.map((st) => st.name) : [...needs.keys()];
    this.run = { ...run, pipelineName };
    this.stages = names.map((name) => {
      const st = fromRun.find((x) => x.name === name) ?? {};
      return {
        name,
        agentId: st.agentId ?? agents.get(name) ?? '',
        needs: needs.get(name) ?? [],
        status: st.status ?? 'pending',
        attempts: st.attempts ?? 0,
        startedAt: st.startedAt ?? null,
        finishedAt: st.finishedAt ?? null,
        output: st.output ?? null,
        error: st.error ?? null,
        durationMs: Number.isFinite(st.durationMs) ? st.durationMs : undefined,
      };
    });
    this.messages = 0;
    byId('messages').replaceChildren();
    show(byId('run-empty'), false);
    show(byId('run-detail'), true);
    this.renderHead();
    this.renderStages();
    show(byId('messages-empty'), true);
  }

  isShowing(runId) {
    return this.run?.id === runId;
  }

  /** Applies one event of the shown run (called in seq order). */
  apply(event) {
    if (!this.run || event.runId !== this.run.id) return;
    const runStatus = RUN_STATUS_BY_EVENT[event.name];
    if (runStatus) {
      this.run.status = runStatus;
      if (runStatus === 'running') this.run.startedAt ??= event.at;
      if (['completed', 'failed', 'cancelled'].includes(runStatus)) this.run.finishedAt ??= event.at;
      if (event.data?.error) this.run.error = event.data.error;
      this.renderHead();
    }
    const stageStatus = statusOf(event);
    if (stageStatus) {
      const name = stageName(event);
      let stage = this.stages.find((st) => st.name === name);
      if (!stage) {
        stage = { name, agentId: event.agentId ?? '', needs: [], status: 'pending', attempts: 0, startedAt: null, finishedAt: null, output: null, error: null };
        this.stages.push(stage);
      }
      stage.status = stageStatus;
      if (event.agentId) stage.agentId = event.agentId;
      if (stageStatus === 'running') {
        stage.startedAt = event.at;
        stage.finishedAt = null;
        // Replay starts at seq 1: count attempts from the events, not on top of the API's count.
        stage.attempts = event.data?.attempt ?? (stage.seenStart ? stage.attempts + 1 : 1);
        stage.seenStart = true;
      } else {
        stage.finishedAt = event.at;
        if (Number.isFinite(event.data?.durationMs)) stage.durationMs = event.data.durationMs;
        if ('output' in (event.data ?? {})) stage.output = event.data.output;
        if (event.data?.error) stage.error = event.data.error;
      }
      this.renderStages();
    }
    if (event.name === 'agent.message') this.addMessage(event);
  }

  /**
   * Takes what events do not carry (stage outputs) from a fresh GET of the run.
   * Statuses stay event-driven, except that a final status in storage wins
   * over a non-final one here (an event this view never saw).
   */
  merge(run) {
    if (!this.run || run.id !== this.run.id) return;
    const final = new Set(['completed', 'failed', 'skipped', 'cancelled']);
    for (const fresh of run.stages ?? []) {
      const st = this.stages.find((x) => x.name === fresh.name);
      if (!st) continue;
      if (fresh.output !== undefined && fresh.output !== null) st.output = fresh.output;
      if (fresh.error) st.error = fresh.error;
      if (Number.isFinite(fresh.durationMs)) st.durationMs = fresh.durationMs;
      if (final.has(fresh.status) && !final.has(st.status)) st.status = fresh.status;
    }
    if (final.has(run.status) && !final.has(this.run.status)) this.run.status = run.status;
    this.run.output = run.output;
    this.run.error = run.error ?? this.run.error;
    this.renderHead();
    this.renderStages();
  }

  renderHead() {
    const run = this.run;
    byId('run-title').textContent = run.pipelineName ? `${run.pipelineName}` : `Run ${shortId(run.id)}`;
    const badge = byId('run-status');
    badge.textContent = run.status;
    badge.dataset.status = run.status;
    show(badge, true);
    const meta = [
      ['Run', shortId(run.id)],
      ['Created', when(run.createdAt)],
      ['Duration', duration(between(run.startedAt, run.finishedAt))],
    ];
    if (run.siteId) meta.push(['Site', shortId(run.siteId)]);
    if (run.error) meta.push(['Error', run.error.message ?? summarize(run.error)]);
    byId('run-meta').replaceChildren(...meta.flatMap(([k, v]) => [h('dt', {}, k), h('dd', { class: k === 'Error' ? 'error-text' : '' }, v)]));
  }

  renderStages() {
    renderDag(byId('run-dag'), this.stages);
    const body = byId('stage-table').tBodies[0];
    body.replaceChildren(
      ...this.stages.map((st) =>
        h('tr', { dataset: { stage: st.name, status: st.status } },
          h('th', { scope: 'row' }, st.name),
          h('td', { class: 'muted' }, st.agentId),
          h('td', {}, h('span', { class: 'badge', dataset: { status: st.status } }, st.status), st.attempts > 1 ? h('span', { class: 'muted small' }, ` ×${st.attempts}`) : null),
          h('td', { class: 'num', dataset: { role: 'duration' } }, stageDuration(st)),
          h('td', { class: st.error ? 'output error-text' : 'output' }, st.error ? st.error.message ?? summarize(st.error) : summarize(st.output)),
        ),
      ),
    );
  }

  tickDurations() {
    if (!this.run) return;
    for (const row of byId('stage-table').tBodies[0].rows) {
      const st = this.stages.find((x) => x.name === row.dataset.stage);
      if (st?.status === 'running') row.querySelector('[data-role="duration"]').textContent = stageDuration(st);
    }
    if (this.run.status === 'running') this.renderHead();
  }

  addMessage(event) {
    const m = describeMessage(event);
    const list = byId('messages');
    const pinned = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.append(
      h('li', { class: 'message', dataset: { kind: m.kind, seq: event.seq ?? '' } },
        h('div', { class: 'message-head' },
          h('span', { class: 'agent' }, m.from),
          m.to ? h('span', { class: 'arrow', 'aria-label': 'to' }, '→') : null,
          m.to ? h('span', { class: 'agent' }, m.to) : null,
          h('span', { class: 'kind' }, m.label),
          m.stage ? h('span', { class: 'muted small' }, `in ${m.stage}`) : null,
          h('time', { class: 'muted', datetime: event.at }, clock(event.at)),
        ),
        h('p', { class: 'message-text' }, m.text.length > 600 ? `${m.text.slice(0, 599)}…` : m.text),
      ),
    );
    while (list.children.length > MAX_MESSAGES) list.firstElementChild.remove();
    if (pinned) list.scrollTop = list.scrollHeight;
    this.messages++;
    show(byId('messages-empty'), false);
  }
}

function stageDuration(st) {
  if (Number.isFinite(st.durationMs)) return duration(st.durationMs);
  if (!st.startedAt) return '—';
  return duration(between(st.startedAt, st.finishedAt));
}
