/**
 * Monetization: injects tracked affiliate links into content and estimates a
 * site's revenue. Manifest final; behaviour arrives with the monetisation
 * issue, so every capability fails with NotImplementedError until then.
 */
import { defineAgent, NotImplementedError } from '../../core/sdk/index.js';

export default defineAgent({
  id: 'monetization',
  version: '0.1.0',
  hub: '^1.0.0',
  description: 'Places tracked affiliate links in content and estimates revenue per site',
  config: {
    type: 'object',
    properties: {
      maxLinksPerPage: { type: 'integer', minimum: 1, maximum: 100, default: 5 },
      linkRel: { type: 'string', enum: ['sponsored', 'nofollow', 'sponsored nofollow'], default: 'sponsored' },
    },
    additionalProperties: false,
  },
  capabilities: {
    inject_links: {
      description: 'Insert affiliate links (via the AWIN or Digistore24 connector) into HTML where products are mentioned',
      input: {
        type: 'object',
        properties: {
          html: { type: 'string', minLength: 1, maxLength: 2000000 },
          siteId: { type: 'string', format: 'uuid' },
          offers: {
            type: 'array',
            minItems: 1,
            maxItems: 200,
            items: {
              type: 'object',
              properties: {
                network: { type: 'string', enum: ['awin', 'digistore24'] },
                keyword: { type: 'string', minLength: 1, maxLength: 200 },
                advertiserId: { type: 'integer', minimum: 1 },
                productId: { type: 'string', minLength: 1, maxLength: 64 },
                destinationUrl: { type: 'string', format: 'uri', pattern: '^https?://' },
              },
              required: ['network', 'keyword'],
              additionalProperties: false,
            },
          },
        },
        required: ['html', 'offers'],
        additionalProperties: false,
      },
      output: { type: 'object', properties: { html: { type: 'string' }, linksInserted: { type: 'integer', minimum: 0 } }, required: ['html', 'linksInserted'] },
    },
    estimate_revenue: {
      description: 'Estimate monthly revenue of a site from traffic, conversion and commission figures',
      input: {
        type: 'object',
        properties: {
          siteId: { type: 'string', format: 'uuid' },
          monthlyVisitors: { type: 'integer', minimum: 0 },
          niche: { type: 'string', minLength: 2, maxLength: 200 },
          currency: { type: 'string', pattern: '^[A-Z]{3}$', default: 'EUR' },
        },
        anyOf: [{ required: ['siteId'] }, { required: ['monthlyVisitors'] }],
        additionalProperties: false,
      },
    },
  },
  handle(task) {
    throw new NotImplementedError(`monetization capability ${task.capability}`);
  },
});
