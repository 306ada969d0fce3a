/**
 * Request validation with ajv. Bodies are validated strictly (no coercion:
 * a string where a number belongs is an error); path and query parameters
 * arrive as strings and are coerced. Errors carry JSON-pointer field paths.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { HubError } from '../errors.js';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export type JsonSchema = Record<string, unknown>;

const strictAjv = addFormats(new Ajv({ allErrors: true, strict: false }));
const coercingAjv = addFormats(new Ajv({ allErrors: true, strict: false, coerceTypes: true, useDefaults: true }));

export interface FieldProblem {
  path: string;
  message: string;
}

export function fieldProblems(errors: ErrorObject[] | null | undefined, root = ''): FieldProblem[] {
  return (errors ?? []).map((e) => {
    let path = root + e.instancePath;
    if (e.keyword === 'required') path += `/${(e.params as { missingProperty: string }).missingProperty}`;
    if (e.keyword === 'additionalProperties') path += `/${(e.params as { additionalProperty: string }).additionalProperty}`;
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'additionalProperties') message = 'is not an allowed field';
    if (e.keyword === 'enum') message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    return { path: path || '/', message };
  });
}

export function compileStrict(schema: JsonSchema): ValidateFunction {
  return strictAjv.compile(schema);
}

export function compileCoercing(schema: JsonSchema): ValidateFunction {
  return coercingAjv.compile(schema);
}

/**
 * Throws a 400 with every field problem when `value` does not match; the
 * message reads "Invalid <label>: <path> <problem>; ...". ajv messages name
 * the rule, never the submitted value, so secrets stay out of the error.
 */
export function assertValid(validate: ValidateFunction, value: unknown, root: string, label = 'request'): void {
  if (!validate(value)) {
    const details = fieldProblems(validate.errors, root);
    throw new HubError('HUB_ERR_VALIDATION_FAILED', {
      message: `Invalid ${label}: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`,
      details,
    });
  }
}
