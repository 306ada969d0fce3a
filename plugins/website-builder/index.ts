/**
 * Website builder: generates a whole site for a niche by asking the
 * opportunity scanner, the content generator and the SEO optimizer through
 * agent requests (DESIGN.md). Manifest final; behaviour arrives with the
 * site-building issue, so the capability fails with NotImplementedError.
 */
import { defineAgent, NotImplementedError } from '../../core/sdk/index.js';

export default defineAgent({
  id: 'website-builder',
  version: '0.1.0',
  hub: '^1.0.0',
  description: 'Builds a complete static affiliate site for a niche from research, content and SEO agents',
  requires: ['llm'],
  config: {
    type: 'object',
    properties: {
      template: { type: 'string', enum: ['magazine', 'review', 'landing'], default: 'review' },
      requestTimeoutMs: { type: 'integer', minimum: 1000, maximum: 3600000, default: 300000, description: 'Timeout of each request to another agent' },
    },
    additionalProperties: false,
  },
  capabilities: {
    generate_website: {
      description: 'Generate the pages, navigation and assets of a site for a niche',
      input: {
        type: 'object',
        properties: {
          niche: { type: 'string', minLength: 2, maxLength: 200 },
          domain: { type: 'string', minLength: 3, maxLength: 253, pattern: '^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}$' },
          siteId: { type: 'string', format: 'uuid' },
          language: { type: 'string', pattern: '^[a-z]{2}(-[A-Z]{2})?$' },
          pages: { type: 'integer', minimum: 1, maximum: 500, default: 10 },
          template: { type: 'string', enum: ['magazine', 'review', 'landing'] },
        },
        required: ['niche'],
        additionalProperties: false,
      },
      output: {
        type: 'object',
        properties: {
          files: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, contentType: { type: 'string' }, size: { type: 'integer' } }, required: ['path'] } },
          pages: { type: 'integer' },
        },
        required: ['files'],
      },
    },
  },
  handle(task) {
    throw new NotImplementedError(`website-builder capability ${task.capability}`);
  },
});
