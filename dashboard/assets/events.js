/**
 * Reading hub events (core/events.ts HubEvent). Stage events carry
 * `data.stage`, `attempt`, `durationMs`, `error`, `willRetry`; agent messages
 * (core/pipelines/agent-messaging.ts) carry `from`, `to`, `kind` (request,
 * reply, send, emit, timeout, error), `capability`, `type`, `message` and a
 * `payload` preview (or `payloadBytes` when it was too large to store).
 */
import { summarize } from './dom.js';

export const RUN_STATUS_BY_EVENT = {
  'run.queued': 'queued',
  'run.started': 'running',
  'run.completed': 'completed',
  'run.failed': 'failed',
  'run.cancelled': 'cancelled',
};

/** The status a stage event puts its stage in; a failure that will be retried is not final. */
export function stageStatus(event) {
  switch (event.name) {
    case 'stage.started':
      return 'running';
    case 'stage.completed':
      return 'completed';
    case 'stage.failed':
      return event.data?.willRetry ? 'retrying' : 'failed';
    default:
      return undefined;
  }
}

export function stageName(event) {
  const d = event.data ?? {};
  return d.stage ?? d.stageName ?? d.name;
}

function payloadText(d) {
  if ('payload' in d) return summarize(d.payload, 400);
  if (Number.isFinite(d.payloadBytes)) return `(${d.payloadBytes} bytes)`;
  return '';
}

/** A readable line for an agent message: who said what to whom. */
export function describeMessage(event) {
  const d = event.data ?? {};
  const kind = String(d.kind ?? 'message');
  // A reply, error or timeout is noted by the requester: it travels from `to` back to `from`.
  const backwards = kind === 'reply' || kind === 'error' || kind === 'timeout';
  const requester = String(d.from ?? event.agentId ?? 'agent');
  const from = backwards && d.to ? String(d.to) : requester;
  const to = backwards ? (d.to ? requester : null) : d.to ? String(d.to) : null;
  let text;
  switch (kind) {
    case 'request':
      text = [d.capability ? `${d.capability}` : 'request', payloadText(d)].filter(Boolean).join(' — ');
      break;
    case 'timeout':
      text = `no reply within ${d.timeoutMs ?? '?'} ms`;
      break;
    case 'error':
      text = d.error?.message ?? summarize(d.error);
      break;
    case 'send':
    case 'emit':
      text = d.message ?? payloadText(d);
      break;
    default:
      text = d.text ?? d.message ?? payloadText(d);
  }
  // An emitted progress note is labelled by its type ("progress"), not by the verb.
  const label = kind === 'emit' && d.type ? String(d.type) : kind;
  return { from, to, kind, label, text: String(text || '—'), stage: stageName(event) };
}
