/**
 * The seam between the pipeline orchestrator and the plugin registry. The
 * orchestrator asks the catalog what agents exist (to validate definitions)
 * and to run one task; the registry implements it (building the plugin's
 * narrow context, validating input, recording plugin metrics).
 */
import type { AgentEvent, AgentTask, JsonSchema, RequestOptions } from '../sdk/types.js';

export interface AgentDescription {
  id: string;
  status: 'ready' | 'failed' | 'disabled';
  capabilities: Record<string, { input: JsonSchema; output?: JsonSchema }>;
}

/** What the orchestrator supplies for one task so the agent can talk to others. */
export interface AgentMessaging {
  request(agentId: string, task: Omit<AgentTask, 'runId' | 'stage' | 'attempt' | 'idempotencyKey'>, options: RequestOptions): Promise<unknown>;
  send(agentId: string, message: AgentEvent): Promise<void>;
  emit(event: AgentEvent): void;
}

export interface AgentCatalog {
  describeAgent(agentId: string): AgentDescription | undefined;
  /** Runs one task on an agent for a tenant; rejects with the agent's error. `signal` becomes the agent's ctx.signal. */
  runAgentTask(call: { tenantId: string; agentId: string; task: AgentTask; messaging: AgentMessaging; signal?: AbortSignal }): Promise<unknown>;
}
