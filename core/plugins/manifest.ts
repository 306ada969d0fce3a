/**
 * The manifest check the registry runs before anything of a plugin starts:
 * shape (ajv, with field paths), semver version, a valid `hub` range that
 * includes this hub's plugin API, and every JSON Schema the plugin declares
 * compiling. Each plugin gets its own ajv instance so `$id`s of different
 * plugins never collide.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import semver from 'semver';
import { PLUGIN_API_VERSION, type JsonSchema, type PluginDefinition } from '../sdk/types.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export interface ManifestProblem {
  path: string;
  message: string;
}

const fn = { isFunction: true };
const schemaObject = { type: 'object' };
/** A plugin id (and a scaffolded plugin's name): lowercase letters and digits in dash-separated words. */
export const pluginIdPattern = '^[a-z][a-z0-9]*(-[a-z0-9]+)*$';
const operationName = { pattern: '^[a-z][a-z0-9_]{0,63}$' };

const capability = {
  type: 'object',
  properties: { description: { type: 'string', minLength: 1, maxLength: 1000 }, input: schemaObject, output: schemaObject },
  required: ['description', 'input'],
};
const action = {
  type: 'object',
  properties: { ...capability.properties, run: fn },
  required: ['description', 'input', 'run'],
};

/** The manifest's JSON Schema. Functions are checked with the custom `isFunction` keyword. */
const manifestSchema = {
  type: 'object',
  properties: {
    kind: { enum: ['agent', 'connector'] },
    id: { type: 'string', minLength: 2, maxLength: 64, pattern: pluginIdPattern },
    version: { type: 'string', format: 'semver' },
    hub: { type: 'string', format: 'semver-range' },
    description: { type: 'string', minLength: 1, maxLength: 1000 },
    config: schemaObject,
    requires: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 64 }, uniqueItems: true, maxItems: 32 },
    setup: fn,
    teardown: fn,
  },
  required: ['kind', 'id', 'version', 'hub', 'description'],
  allOf: [
    {
      if: { properties: { kind: { const: 'agent' } }, required: ['kind'] },
      then: {
        properties: {
          capabilities: { type: 'object', minProperties: 1, maxProperties: 100, propertyNames: operationName, additionalProperties: capability },
          handle: fn,
        },
        required: ['capabilities', 'handle'],
      },
    },
    {
      if: { properties: { kind: { const: 'connector' } }, required: ['kind'] },
      then: {
        properties: {
          credentials: schemaObject,
          actions: { type: 'object', maxProperties: 200, propertyNames: operationName, additionalProperties: action },
          check: fn,
          webhook: {
            type: 'object',
            properties: { verify: fn, normalize: fn, reply: fn },
            required: ['verify', 'normalize'],
          },
        },
        required: ['credentials', 'actions'],
      },
    },
  ],
} as const;

function newAjv(): Ajv {
  const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
  ajv.addKeyword({ keyword: 'isFunction', errors: false, validate: (_: unknown, data: unknown) => typeof data === 'function' });
  ajv.addFormat('semver', { type: 'string', validate: (v: string) => semver.valid(v) !== null });
  ajv.addFormat('semver-range', { type: 'string', validate: (v: string) => semver.validRange(v) !== null });
  return ajv;
}

const manifestAjv = newAjv();
const validateShape = manifestAjv.compile(manifestSchema);

function shapeProblems(definition: unknown): ManifestProblem[] {
  if (validateShape(definition)) return [];
  return (validateShape.errors ?? [])
    .filter((e) => e.keyword !== 'if') // the `then` branch's own errors say what is wrong
    .map((e) => {
      let path = e.instancePath;
      if (e.keyword === 'required') path += `/${(e.params as { missingProperty: string }).missingProperty}`;
      let message = e.message ?? 'is invalid';
      if (e.keyword === 'isFunction') message = 'must be a function';
      if (e.keyword === 'format' && (e.params as { format: string }).format === 'semver') message = 'must be a semver version such as 1.2.3';
      if (e.keyword === 'format' && (e.params as { format: string }).format === 'semver-range') message = 'must be a semver range such as ^1.0.0';
      if (e.keyword === 'enum') message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
      return { path: path || '/', message };
    });
}

/** Compiled validators of one plugin's declared schemas. */
export interface PluginSchemas {
  config?: ValidateFunction;
  /** Config validator that also fills `default`s (used when a call reads stored config). */
  configWithDefaults?: ValidateFunction;
  credentials?: ValidateFunction;
  inputs: Map<string, ValidateFunction>;
  outputs: Map<string, ValidateFunction>;
}

/**
 * Compiles every schema a (shape-valid) manifest declares. A schema ajv
 * refuses becomes a problem with its manifest path.
 */
export function compilePluginSchemas(definition: PluginDefinition): { schemas: PluginSchemas; problems: ManifestProblem[] } {
  const ajv = newAjv();
  const defaultsAjv = addFormats(new Ajv({ allErrors: true, strict: false, useDefaults: true }));
  const problems: ManifestProblem[] = [];
  const schemas: PluginSchemas = { inputs: new Map(), outputs: new Map() };
  const compile = (schema: JsonSchema | undefined, path: string, target: Ajv = ajv): ValidateFunction | undefined => {
    if (!schema) return undefined;
    try {
      return target.compile(schema);
    } catch (err) {
      problems.push({ path, message: `is not a valid JSON Schema: ${(err as Error).message}` });
      return undefined;
    }
  };
  schemas.config = compile(definition.config, '/config');
  if (schemas.config) schemas.configWithDefaults = compile(definition.config, '/config', defaultsAjv);
  const operations = definition.kind === 'agent' ? definition.capabilities : definition.actions;
  const where = definition.kind === 'agent' ? 'capabilities' : 'actions';
  for (const [name, op] of Object.entries(operations)) {
    const input = compile(op.input, `/${where}/${name}/input`);
    if (input) schemas.inputs.set(name, input);
    const output = compile(op.output, `/${where}/${name}/output`);
    if (output) schemas.outputs.set(name, output);
  }
  if (definition.kind === 'connector') schemas.credentials = compile(definition.credentials, '/credentials');
  return { schemas, problems };
}

/** Whether this hub's plugin API satisfies the plugin's `hub` range. */
export function isCompatible(range: string, apiVersion = PLUGIN_API_VERSION): boolean {
  return semver.satisfies(apiVersion, range, { includePrerelease: true });
}

/**
 * Every problem with a definition, for plugin authors' tests
 * (`expect(checkManifest(plugin)).to.deep.equal([])`) and the registry.
 * An incompatible `hub` range is reported here too.
 */
export function checkManifest(definition: unknown, apiVersion = PLUGIN_API_VERSION): ManifestProblem[] {
  return checkAndCompile(definition, apiVersion).problems;
}

/**
 * checkManifest's work, keeping what it compiled: the registry loads a plugin
 * with the schemas compiled while checking it (`schemas` is set when there are
 * no problems).
 */
export function checkAndCompile(definition: unknown, apiVersion = PLUGIN_API_VERSION): { problems: ManifestProblem[]; schemas?: PluginSchemas } {
  const problems = shapeProblems(definition);
  if (problems.length > 0) return { problems };
  const def = definition as PluginDefinition;
  if (!isCompatible(def.hub, apiVersion)) {
    return { problems: [{ path: '/hub', message: `range ${def.hub} does not include this hub's plugin API ${apiVersion}` }] };
  }
  const compiled = compilePluginSchemas(def);
  return compiled.problems.length > 0 ? { problems: compiled.problems } : compiled;
}
