/**
 * Checks a pipeline definition before anything is saved: the JSON Schema,
 * then the graph (unique names, known `needs`, no cycles), the agents and
 * capabilities (through the AgentCatalog seam), every `$ref`, and the input
 * schema itself. All problems are reported at once, each with a field path.
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { HubError } from '../errors.js';
import { compileStrict, fieldProblems, type FieldProblem } from '../http/validation.js';
import type { AgentCatalog } from './agent-catalog.js';
import { pipelineDefinitionSchema } from './definition-schema.js';
import { stageDefaults, type PipelineDefinition, type StageDefinition } from './definition.js';
import { findRefs, parseRef } from './refs.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const validateShape = compileStrict(pipelineDefinitionSchema as unknown as Record<string, unknown>);
/**
 * Compiles a tenant-supplied input schema with its own ajv instance: schemas
 * from different tenants may reuse an `$id`, and must never see each other.
 */
export function compileInputSchema(schema: Record<string, unknown>) {
  return addFormats(new Ajv({ allErrors: true, strict: false })).compile(schema);
}

type RawStage = Partial<StageDefinition> & { name: string; agent: string; task: { capability: string; input?: unknown }; retry?: Partial<StageDefinition['retry']> };
type RawDefinition = Omit<PipelineDefinition, 'stages' | 'concurrency'> & { stages: RawStage[]; concurrency?: Partial<PipelineDefinition['concurrency']> };

/** Returns a cycle as a list of stage names (first repeated at the end), or undefined. */
export function findCycle(stages: Array<{ name: string; needs: string[] }>): string[] | undefined {
  const byName = new Map(stages.map((s) => [s.name, s]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of byName.get(name)?.needs ?? []) {
      if (!byName.has(dep)) continue;
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const s of stages) {
    const cycle = visit(s.name);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Every stage `name` depends on, directly or transitively. */
function ancestors(name: string, byName: Map<string, { needs: string[] }>): Set<string> {
  const seen = new Set<string>();
  const todo = [...(byName.get(name)?.needs ?? [])];
  while (todo.length) {
    const next = todo.pop()!;
    if (seen.has(next) || !byName.has(next)) continue;
    seen.add(next);
    todo.push(...byName.get(next)!.needs);
  }
  return seen;
}

function normalise(raw: RawDefinition): PipelineDefinition {
  return {
    name: raw.name,
    ...(raw.description !== undefined ? { description: raw.description } : {}),
    ...(raw.input !== undefined ? { input: raw.input } : {}),
    concurrency: { perPipeline: raw.concurrency?.perPipeline ?? 0, ...(raw.concurrency?.perSite !== undefined ? { perSite: raw.concurrency.perSite } : {}) },
    stages: raw.stages.map((s) => ({
      name: s.name,
      agent: s.agent,
      task: { capability: s.task.capability, input: s.task.input ?? {} },
      needs: s.needs ?? [],
      timeoutMs: s.timeoutMs ?? stageDefaults.timeoutMs,
      retry: { ...stageDefaults.retry, ...(s.retry ?? {}) },
      onError: s.onError ?? stageDefaults.onError,
    })),
  };
}

function fail(problems: FieldProblem[]): never {
  throw new HubError('HUB_ERR_PIPELINE_INVALID', {
    message: `Invalid pipeline: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
    details: problems,
  });
}

/**
 * Validates and normalises a definition; throws HUB_ERR_PIPELINE_INVALID (400)
 * listing every problem. `root` prefixes field paths (`/body` for the API).
 */
export function validateDefinition(raw: unknown, catalog: AgentCatalog, root = '/body'): PipelineDefinition {
  if (!validateShape(raw)) fail(fieldProblems(validateShape.errors, root));
  const definition = normalise(raw as RawDefinition);
  const problems: FieldProblem[] = [];
  const at = (i: number, rest: string) => `${root}/stages/${i}${rest}`;
  const byName = new Map<string, StageDefinition>();

  definition.stages.forEach((s, i) => {
    if (byName.has(s.name)) problems.push({ path: at(i, '/name'), message: `repeats the stage name "${s.name}"` });
    else byName.set(s.name, s);
  });
  definition.stages.forEach((s, i) => {
    s.needs.forEach((dep, j) => {
      if (dep === s.name) problems.push({ path: at(i, `/needs/${j}`), message: `stage "${s.name}" cannot need itself` });
      else if (!byName.has(dep)) problems.push({ path: at(i, `/needs/${j}`), message: `names no stage "${dep}"` });
    });
    if (s.retry.maxBackoffMs < s.retry.backoffMs) problems.push({ path: at(i, '/retry/maxBackoffMs'), message: 'must be at least backoffMs' });
  });
  const cycle = findCycle(definition.stages);
  if (cycle) {
    const i = definition.stages.findIndex((s) => s.name === cycle[0]);
    problems.push({ path: at(i, '/needs'), message: `forms a cycle: ${cycle.join(' -> ')}` });
  }

  definition.stages.forEach((s, i) => {
    const agent = catalog.describeAgent(s.agent);
    if (!agent) problems.push({ path: at(i, '/agent'), message: `names no installed agent "${s.agent}"` });
    else if (!Object.hasOwn(agent.capabilities, s.task.capability)) {
      problems.push({
        path: at(i, '/task/capability'),
        message: `agent "${s.agent}" has no capability "${s.task.capability}" (it offers: ${Object.keys(agent.capabilities).join(', ') || 'none'})`,
      });
    }
    const upstream = cycle ? new Set<string>() : ancestors(s.name, byName);
    for (const site of findRefs(s.task.input)) {
      const path = at(i, `/task/input${site.pointer}`);
      const parsed = parseRef(site.ref);
      if ('error' in parsed) problems.push({ path, message: `bad reference: ${parsed.error}` });
      else if (parsed.root === 'stage' && !byName.has(parsed.stage)) problems.push({ path, message: `bad reference: "${site.ref}" names no stage "${parsed.stage}"` });
      else if (parsed.root === 'stage' && !cycle && !upstream.has(parsed.stage)) {
        problems.push({ path, message: `bad reference: "${site.ref}" reads stage "${parsed.stage}", which stage "${s.name}" does not need (add it to needs)` });
      }
    }
  });

  if (definition.input !== undefined) {
    try {
      compileInputSchema(definition.input);
    } catch (err) {
      problems.push({ path: `${root}/input`, message: `is not a valid JSON Schema: ${(err as Error).message}` });
    }
  }
  if (problems.length > 0) fail(problems);
  return definition;
}
