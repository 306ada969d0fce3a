/** Trigger rules of a tenant: event type (+ filters) → pipeline with an input mapping. */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../core/db/knex.js';
import { toIso } from '../../core/db/knex.js';
import { json, parseJson } from '../store/rows.js';
import type { RuleFilter } from './rule-matcher.js';

export interface TriggerRule {
  id: string;
  name: string;
  eventType: string;
  filters: RuleFilter[];
  pipelineId: string;
  inputMapping: Record<string, unknown>;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export type TriggerRuleInput = Omit<TriggerRule, 'id' | 'createdAt' | 'updatedAt' | 'filters' | 'inputMapping' | 'enabled'> & {
  filters?: RuleFilter[];
  inputMapping?: Record<string, unknown>;
  enabled?: boolean;
};

function toRule(r: Record<string, any>): TriggerRule {
  return {
    id: r.id, name: r.name, eventType: r.event_type, filters: parseJson(r.filters, []), pipelineId: r.pipeline_id,
    inputMapping: parseJson(r.input_mapping, {}), enabled: Boolean(r.enabled),
    createdAt: toIso(r.created_at)!, updatedAt: toIso(r.updated_at)!,
  };
}

export class RulesStore {
  constructor(private readonly db: Db) {}

  async create(tenantId: string, input: TriggerRuleInput): Promise<TriggerRule> {
    const now = new Date();
    const row = {
      id: randomUUID(), tenant_id: tenantId, name: input.name, event_type: input.eventType, filters: json(input.filters ?? []),
      pipeline_id: input.pipelineId, input_mapping: json(input.inputMapping ?? {}), enabled: input.enabled ?? true,
      created_at: now, updated_at: now,
    };
    await this.db('trigger_rules').insert(row);
    return toRule(row);
  }

  async get(tenantId: string, id: string): Promise<TriggerRule | undefined> {
    const row = await this.db('trigger_rules').where({ tenant_id: tenantId, id }).first();
    return row ? toRule(row) : undefined;
  }

  async list(tenantId: string): Promise<TriggerRule[]> {
    return (await this.db('trigger_rules').where({ tenant_id: tenantId }).orderBy('created_at')).map(toRule);
  }

  async enabledFor(tenantId: string): Promise<TriggerRule[]> {
    return (await this.db('trigger_rules').where({ tenant_id: tenantId, enabled: true }).orderBy('created_at')).map(toRule);
  }

  async update(tenantId: string, id: string, patch: Partial<TriggerRuleInput>): Promise<TriggerRule | undefined> {
    const changes: Record<string, unknown> = { updated_at: new Date() };
    if (patch.name !== undefined) changes.name = patch.name;
    if (patch.eventType !== undefined) changes.event_type = patch.eventType;
    if (patch.filters !== undefined) changes.filters = json(patch.filters);
    if (patch.pipelineId !== undefined) changes.pipeline_id = patch.pipelineId;
    if (patch.inputMapping !== undefined) changes.input_mapping = json(patch.inputMapping);
    if (patch.enabled !== undefined) changes.enabled = patch.enabled;
    const n = await this.db('trigger_rules').where({ tenant_id: tenantId, id }).update(changes);
    return n > 0 ? this.get(tenantId, id) : undefined;
  }

  async remove(tenantId: string, id: string): Promise<boolean> {
    return (await this.db('trigger_rules').where({ tenant_id: tenantId, id }).delete()) > 0;
  }
}
