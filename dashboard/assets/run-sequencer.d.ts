/** Types for run-sequencer.js (used by the tests; the browser ignores this file). */
export interface SequencedEvent {
  runId?: string;
  seq?: number;
}

export declare class RunSequencer<E extends SequencedEvent = SequencedEvent> {
  constructor(options: { onEvent: (event: E) => void; onGap?: (runId: string, lastSeq: number) => void; gapTimeoutMs?: number });
  track(runId: string, lastSeq?: number): number;
  untrack(runId: string): void;
  lastSeq(runId: string): number;
  push(event: E): void;
  dispose(): void;
}
