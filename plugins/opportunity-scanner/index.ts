/**
 * Opportunity scanner: finds niches worth a site. `market_scan` includes trend
 * detection and viral-potential scoring (DESIGN.md, built-in plugins).
 * The manifest is final; the behaviour arrives with the research issue, so
 * every capability fails with NotImplementedError until then.
 */
import { defineAgent, NotImplementedError } from '../../core/sdk/index.js';

const country = { type: 'string', pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2, e.g. DE' };
const language = { type: 'string', pattern: '^[a-z]{2}(-[A-Z]{2})?$', description: 'BCP 47 language, e.g. de or en-GB' };
const niche = { type: 'string', minLength: 2, maxLength: 200 };

export default defineAgent({
  id: 'opportunity-scanner',
  version: '0.1.0',
  hub: '^1.0.0',
  description: 'Finds and scores niche opportunities: market trends, competitors and affiliate programmes',
  requires: ['llm'],
  config: {
    type: 'object',
    properties: {
      defaultCountry: { ...country, default: 'US' },
      defaultLanguage: { ...language, default: 'en' },
    },
    additionalProperties: false,
  },
  capabilities: {
    market_scan: {
      description: 'Scan a market for niches: demand, trend direction and viral-potential score per niche',
      input: {
        type: 'object',
        properties: {
          seed: { ...niche, description: 'A topic or market to start from, e.g. "camping gear"' },
          country,
          language,
          maxResults: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
        },
        required: ['seed'],
        additionalProperties: false,
      },
      output: {
        type: 'object',
        properties: {
          niches: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                niche,
                trend: { type: 'string', enum: ['rising', 'stable', 'falling'] },
                viralScore: { type: 'number', minimum: 0, maximum: 1 },
                evidence: { type: 'array', items: { type: 'string' } },
              },
              required: ['niche', 'trend', 'viralScore'],
            },
          },
        },
        required: ['niches'],
      },
    },
    competitor_research: {
      description: 'Analyse competing sites of a niche: their pages, keywords and monetisation',
      input: {
        type: 'object',
        properties: {
          niche,
          competitorUrls: { type: 'array', items: { type: 'string', format: 'uri', pattern: '^https?://' }, minItems: 1, maxItems: 20, uniqueItems: true },
          country,
        },
        required: ['niche'],
        additionalProperties: false,
      },
    },
    affiliate_program_scan: {
      description: 'List affiliate programmes of a niche on the connected networks with commission and terms',
      input: {
        type: 'object',
        properties: {
          niche,
          networks: { type: 'array', items: { type: 'string', enum: ['awin', 'digistore24'] }, minItems: 1, uniqueItems: true },
          country,
        },
        required: ['niche'],
        additionalProperties: false,
      },
    },
  },
  handle(task) {
    throw new NotImplementedError(`opportunity-scanner capability ${task.capability}`);
  },
});
