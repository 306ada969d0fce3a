/**
 * Dashboard entry: sign-in, loading the panels from the REST API, and
 * routing live events to them. Framework-free on purpose: the page is small,
 * served as-is by the hub, and has no build step.
 */
import { Api, ApiError } from './api.js';
import { byId, show } from './dom.js';
import { connectLive } from './live.js';
import { RunsPanel } from './runs-panel.js';
import { RunView } from './run-view.js';
import { ActivityPanel } from './activity-panel.js';
import { renderPlugins } from './plugins-panel.js';
import { lastDays, renderRevenue } from './revenue-chart.js';

const STORAGE_KEY = 'switchyard.credential';
const REVENUE_DAYS = 14;
const REVENUE_SITES = 6;

const state = {
  api: undefined,
  live: undefined,
  tenantId: undefined,
  pipelines: new Map(),
  definitions: new Map(),
  revenueSeries: [],
  sites: new Map(),
};

const runsPanel = new RunsPanel({ pipelineName: (id) => state.pipelines.get(id)?.name ?? `pipeline ${String(id).slice(0, 8)}`, onSelect: (id) => selectRun(id) });
const runView = new RunView();
const activity = new ActivityPanel({ siteName: (id) => state.sites.get(id)?.name });

function tenantFromJwt(token) {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return typeof payload.tenant === 'string' ? payload.tenant : undefined;
  } catch {
    return undefined;
  }
}

async function whoAmI(api, credential) {
  try {
    return (await api.get('/api/v1/me')).tenantId;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) throw err;
    // A key without sites:read cannot call /me; a JWT names its tenant itself.
    const fromJwt = tenantFromJwt(credential);
    if (fromJwt) return fromJwt;
    throw err;
  }
}

function showLogin(message) {
  state.live?.close();
  state.live = undefined;
  sessionStorage.removeItem(STORAGE_KEY);
  show(byId('app-view'), false);
  show(byId('session'), false);
  show(byId('login-view'), true);
  const error = byId('login-error');
  error.textContent = message ?? '';
  show(error, Boolean(message));
  byId('credential').focus();
}

function setLiveStatus(status) {
  const el = byId('live-status');
  el.dataset.state = status;
  el.textContent = status === 'live' ? 'live' : status;
}

async function signIn(credential) {
  const api = new Api(credential);
  const tenantId = await whoAmI(api, credential);
  state.api = api;
  state.tenantId = tenantId;
  sessionStorage.setItem(STORAGE_KEY, credential);
  show(byId('login-view'), false);
  show(byId('app-view'), true);
  show(byId('session'), true);
  byId('tenant-label').textContent = `tenant ${tenantId.slice(0, 8)}`;
  byId('tenant-label').title = tenantId;
  state.live = connectLive({
    credential,
    tenantId,
    onEvent,
    onStatus: setLiveStatus,
    onAuthFailed: (message) => showLogin(message),
  });
  await Promise.allSettled([loadPipelinesAndRuns(), loadActivity(), loadRevenue(), loadPlugins()]);
}

async function loadPipelinesAndRuns() {
  const pipelines = await state.api.optional('/api/v1/pipelines?limit=100', { items: [] });
  state.pipelines = new Map((pipelines.items ?? []).map((p) => [p.id, p]));
  const select = byId('start-pipeline');
  select.replaceChildren(...[...state.pipelines.values()].map((p) => new Option(p.name, p.id)));
  let runs = await state.api.optional('/api/v1/runs?limit=30', undefined);
  if (!runs) {
    // No tenant-wide run list: gather the latest runs of each pipeline.
    const lists = await Promise.all([...state.pipelines.keys()].slice(0, 10).map((id) => state.api.optional(`/api/v1/pipelines/${id}/runs?limit=10`, { items: [] })));
    runs = { items: lists.flatMap((l) => l.items ?? []) };
  }
  runsPanel.load(runs.items ?? []);
  const newest = (runs.items ?? [])[0];
  if (newest && !runsPanel.selected) await selectRun(newest.id);
}

async function pipelineDefinition(pipelineId) {
  if (!state.definitions.has(pipelineId)) {
    const p = await state.api.optional(`/api/v1/pipelines/${pipelineId}`, undefined);
    state.definitions.set(pipelineId, p?.definition ?? p);
  }
  return state.definitions.get(pipelineId);
}

async function selectRun(runId) {
  runsPanel.select(runId);
  const run = await state.api.get(`/api/v1/runs/${runId}`);
  const definition = await pipelineDefinition(run.pipelineId).catch(() => undefined);
  runView.open(run, definition, state.pipelines.get(run.pipelineId)?.name);
  // History arrives by replay from seq 1, then live events; both go through onEvent in order.
  await state.live.watchRun(runId);
}

async function fetchRunIntoList(runId) {
  try {
    runsPanel.upsert(await state.api.get(`/api/v1/runs/${runId}`));
    // Nothing watched yet: follow the run that just appeared.
    if (!runsPanel.selected) await selectRun(runId);
  } catch {
    /* the run list is best effort; the next event retries */
  }
}

const pendingFetch = new Set();

let refreshTimer;
function scheduleRunRefresh(runId) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(async () => {
    try {
      runView.merge(await state.api.get(`/api/v1/runs/${runId}`));
    } catch {
      /* the next stage event retries */
    }
  }, 250);
}

function onEvent(event) {
  if (event.runId) {
    if (!runsPanel.apply(event) && !pendingFetch.has(event.runId)) {
      pendingFetch.add(event.runId);
      void fetchRunIntoList(event.runId).finally(() => pendingFetch.delete(event.runId));
    }
    if (runView.isShowing(event.runId)) {
      runView.apply(event);
      // Stage outputs are not in the events: fetch them once a stage or the run finishes.
      if (['stage.completed', 'stage.failed', 'run.completed', 'run.failed', 'run.cancelled'].includes(event.name)) scheduleRunRefresh(event.runId);
    }
  }
  activity.apply(event);
  if (event.name === 'sale.recorded') scheduleRevenueReload();
}

async function loadActivity() {
  const [sales, webhookEvents] = await Promise.all([
    state.api.optional('/api/v1/sales?limit=15', { items: [] }),
    state.api.optional('/api/v1/events?limit=15', { items: [] }),
  ]);
  activity.load(sales.items ?? [], webhookEvents.items ?? []);
}

async function loadRevenue() {
  const sites = await state.api.optional(`/api/v1/sites?limit=${REVENUE_SITES}`, { items: [] });
  for (const site of sites.items ?? []) state.sites.set(site.id, site);
  activity.render();
  const days = lastDays(REVENUE_DAYS);
  const series = await Promise.all(
    (sites.items ?? []).map(async (site) => {
      const revenue = await state.api.optional(`/api/v1/sites/${site.id}/revenue?from=${days[0]}&to=${days[days.length - 1]}`, { days: [] });
      return { site, days: revenue?.days ?? [] };
    }),
  );
  state.revenueSeries = series;
  renderRevenue(series, days);
}

let revenueTimer;
function scheduleRevenueReload() {
  clearTimeout(revenueTimer);
  revenueTimer = setTimeout(() => void loadRevenue().catch(() => undefined), 1500);
}

async function loadPlugins() {
  const plugins = await state.api.optional('/api/v1/plugins', { items: [] });
  renderPlugins(plugins.items ?? []);
}

function wireForms() {
  byId('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const credential = byId('credential').value.trim();
    const button = byId('login-submit');
    button.disabled = true;
    try {
      await signIn(credential);
      byId('credential').value = '';
    } catch (err) {
      showLogin(err instanceof ApiError && err.status === 401 ? 'That key or token was not accepted.' : `Sign-in failed: ${err.message}`);
    } finally {
      button.disabled = false;
    }
  });
  byId('logout').addEventListener('click', () => showLogin());
  byId('toggle-start').addEventListener('click', () => {
    const form = byId('start-form');
    form.hidden = !form.hidden;
    byId('toggle-start').setAttribute('aria-expanded', String(!form.hidden));
  });
  byId('start-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const error = byId('start-error');
    show(error, false);
    try {
      const input = JSON.parse(byId('start-input').value || '{}');
      const pipelineId = byId('start-pipeline').value;
      const created = await state.api.post(`/api/v1/pipelines/${pipelineId}/runs`, { input });
      const run = created.run ?? created;
      runsPanel.upsert(run);
      await selectRun(run.id);
    } catch (err) {
      error.textContent = err instanceof SyntaxError ? 'The input is not valid JSON.' : err.message;
      show(error, true);
    }
  });
  let resizeTimer;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => renderRevenue(state.revenueSeries, lastDays(REVENUE_DAYS)), 150);
  });
}

wireForms();
const saved = sessionStorage.getItem(STORAGE_KEY);
if (saved) signIn(saved).catch(() => showLogin('Your session ended. Sign in again.'));
else showLogin();
