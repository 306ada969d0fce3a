/**
 * The published JSON Schema of a pipeline definition (served in the OpenAPI
 * document as the body of POST/PUT /api/v1/pipelines). Structural rules live
 * here; graph rules (cycles, references, known agents) in definition-validator.ts.
 *
 * A task input may contain reference objects `{"$ref": "<path>"}` anywhere:
 *   input.<path>                 the run input
 *   stages.<stage>.output.<path> an earlier stage's output (the stage must be in `needs`, directly or transitively)
 *   run.id, run.siteId           the run itself
 */
export const stageNamePattern = '^[A-Za-z][A-Za-z0-9_-]{0,99}$';

export const pipelineDefinitionSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    description: { type: 'string', maxLength: 2000 },
    input: { type: 'object', description: 'JSON Schema of the run input', maxProperties: 100 },
    concurrency: {
      type: 'object',
      properties: {
        perPipeline: { type: 'integer', minimum: 0, maximum: 100000 },
        perSite: { type: 'integer', minimum: 0, maximum: 100000 },
      },
      additionalProperties: false,
    },
    stages: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        properties: {
          name: { type: 'string', pattern: stageNamePattern },
          agent: { type: 'string', minLength: 1, maxLength: 200 },
          task: {
            type: 'object',
            properties: {
              capability: { type: 'string', minLength: 1, maxLength: 200 },
              input: {},
            },
            required: ['capability'],
            additionalProperties: false,
          },
          needs: { type: 'array', items: { type: 'string', pattern: stageNamePattern }, maxItems: 100, uniqueItems: true },
          timeoutMs: { type: 'integer', minimum: 1, maximum: 86_400_000 },
          retry: {
            type: 'object',
            properties: {
              attempts: { type: 'integer', minimum: 1, maximum: 20 },
              backoffMs: { type: 'integer', minimum: 0, maximum: 3_600_000 },
              maxBackoffMs: { type: 'integer', minimum: 0, maximum: 3_600_000 },
              jitter: { type: 'boolean' },
            },
            additionalProperties: false,
          },
          onError: { type: 'string', enum: ['fail', 'continue'] },
        },
        required: ['name', 'agent', 'task'],
        additionalProperties: false,
      },
    },
  },
  required: ['name', 'stages'],
  additionalProperties: false,
} as const;
