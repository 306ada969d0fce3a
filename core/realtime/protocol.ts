/**
 * The Socket.IO protocol between the hub and its clients (the dashboard, the
 * n8n trigger node, scripts). Server → client events carry a HubEvent as
 * their only argument, named after it (`stage.completed`, ...). Client →
 * server requests take an acknowledgement callback.
 *
 * Scopes: joining `tenant:`/`run:`/`agent:` rooms needs `runs:read`, `site:`
 * rooms `sites:read`. Within a room a socket receives only the events its
 * credential may read on the REST API: run, stage and agent events with
 * `runs:read`, `webhook.received` with `events:read`, `sale.recorded` with
 * `sales:read`.
 *
 * Resuming: every event of a run carries `seq` (1, 2, 3, ... per run). A
 * client that reconnects joins `run:<id>` again with `afterSeq` = the last
 * seq it applied; the hub joins the room first and then sends the stored
 * events after that seq, so nothing falls between replay and live delivery.
 * An event published while the replay runs can arrive both live and
 * replayed, or ahead of the replayed ones: clients apply events in seq order
 * and drop seq they already applied (dashboard/js/run-sequencer.js does this).
 */
import type { HubEvent, HubEventName } from '../events.js';

export interface JoinRequest {
  /** A public room name: `tenant:<id>`, `run:<id>`, `agent:<id>` or `site:<id>`. */
  room: string;
  /** Run rooms only: replay the stored events with seq greater than this. */
  afterSeq?: number;
}

export interface LeaveRequest {
  room: string;
}

export interface ErrorPayload {
  code: string;
  message: string;
  /** The request that failed: `join` or `leave`, and its room when known. */
  request?: string;
  room?: string;
}

export type Ack =
  | { ok: true; room: string; replayed?: number; lastSeq?: number }
  | { ok: false; error: ErrorPayload };

export interface ClientToServerEvents {
  join(request: JoinRequest, ack?: (result: Ack) => void): void;
  leave(request: LeaveRequest, ack?: (result: Ack) => void): void;
}

export type ServerToClientEvents = {
  [E in HubEventName]: (event: HubEvent) => void;
} & {
  error(payload: ErrorPayload): void;
};

/** Largest replay page read from storage at once. */
export const replayPageSize = 500;
