/**
 * The live connection: one Socket.IO socket to the hub that served this page,
 * authenticated with the signed-in credential. It joins the tenant room (run
 * list, webhooks, sales) and the room of the run being watched. Run events
 * pass through a RunSequencer, and on every (re)connect the watched run is
 * joined again with the last applied seq, so the view never shows a gap or
 * a duplicate however often the connection drops.
 */
import { io } from '/socket.io/socket.io.esm.min.js';
import { RunSequencer } from './run-sequencer.js';

const EVENTS = [
  'run.queued', 'run.started', 'stage.started', 'stage.completed', 'stage.failed', 'agent.message',
  'run.completed', 'run.failed', 'run.cancelled', 'webhook.received', 'sale.recorded',
];

/**
 * @param {{ credential: string, tenantId: string, onEvent: (e: object) => void,
 *   onStatus: (state: string, detail?: string) => void, onAuthFailed: (message: string) => void }} options
 */
export function connectLive(options) {
  const socket = io({ auth: { token: options.credential }, transports: ['websocket', 'polling'], reconnectionDelayMax: 5000 });
  let watched; // run id whose room is joined with replay

  const join = (room, afterSeq) =>
    socket.timeout(10_000).emitWithAck('join', afterSeq === undefined ? { room } : { room, afterSeq }).catch(() => ({ ok: false }));

  const sequencer = new RunSequencer({
    onEvent: options.onEvent,
    // A hole that stays open means a live event was lost: ask the hub to replay from the last applied seq.
    onGap: (runId, lastSeq) => {
      if (runId === watched) void join(`run:${runId}`, lastSeq);
    },
  });

  for (const name of EVENTS) socket.on(name, (event) => sequencer.push(event));

  socket.on('connect', () => {
    options.onStatus('live');
    void join(`tenant:${options.tenantId}`);
    if (watched) void join(`run:${watched}`, sequencer.lastSeq(watched));
  });
  socket.on('disconnect', (reason) => {
    if (reason === 'io server disconnect') options.onAuthFailed('Your session ended. Sign in again.');
    else options.onStatus('reconnecting', reason);
  });
  socket.on('connect_error', (err) => {
    const code = err?.data?.code ?? '';
    if (code.startsWith('HUB_ERR_AUTH')) {
      socket.disconnect();
      options.onAuthFailed(err.data.message);
    } else options.onStatus('reconnecting', err?.message);
  });
  socket.io.on('reconnect_attempt', () => options.onStatus('reconnecting'));

  return {
    /** Watches one run: its whole history is replayed (seq 1..), then live events follow. */
    async watchRun(runId) {
      if (watched && watched !== runId) {
        sequencer.untrack(watched);
        void socket.emit('leave', { room: `run:${watched}` });
      }
      watched = runId;
      sequencer.untrack(runId);
      sequencer.track(runId, 0);
      if (socket.connected) return join(`run:${runId}`, 0);
      return { ok: false };
    },
    close() {
      sequencer.dispose();
      socket.disconnect();
    },
  };
}
