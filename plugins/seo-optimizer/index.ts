/**
 * SEO optimizer: audits pages and sites and rewrites content for target
 * keywords. Fetching user-given URLs goes through ctx.http, which refuses
 * private and loopback targets. Manifest final; behaviour arrives with the SEO
 * issue, so every capability fails with NotImplementedError until then.
 */
import { defineAgent, NotImplementedError } from '../../core/sdk/index.js';

const httpUrl = { type: 'string', format: 'uri', pattern: '^https?://', maxLength: 2000 };
const keywords = { type: 'array', items: { type: 'string', minLength: 1, maxLength: 100 }, maxItems: 50, uniqueItems: true };
const findings = {
  type: 'object',
  properties: {
    score: { type: 'number', minimum: 0, maximum: 100 },
    issues: { type: 'array', items: { type: 'object', properties: { rule: { type: 'string' }, severity: { type: 'string', enum: ['info', 'warning', 'error'] }, message: { type: 'string' } }, required: ['rule', 'severity', 'message'] } },
  },
  required: ['score', 'issues'],
};

export default defineAgent({
  id: 'seo-optimizer',
  version: '0.1.0',
  hub: '^1.0.0',
  description: 'Audits pages and sites for on-page SEO and optimises content for target keywords',
  requires: ['llm'],
  config: {
    type: 'object',
    properties: { maxPagesPerAudit: { type: 'integer', minimum: 1, maximum: 10000, default: 200 } },
    additionalProperties: false,
  },
  capabilities: {
    audit_page: {
      description: 'Audit one page (title, meta, headings, links, structured data) by URL or given HTML',
      input: {
        type: 'object',
        properties: { url: httpUrl, html: { type: 'string', maxLength: 2000000 }, keywords },
        anyOf: [{ required: ['url'] }, { required: ['html'] }],
        additionalProperties: false,
      },
      output: findings,
    },
    audit_site: {
      description: 'Crawl a site from its start URL and audit every page found',
      input: {
        type: 'object',
        properties: { startUrl: httpUrl, maxPages: { type: 'integer', minimum: 1, maximum: 10000 }, keywords },
        required: ['startUrl'],
        additionalProperties: false,
      },
    },
    optimize_content: {
      description: 'Rewrite HTML content for the target keywords without changing its meaning',
      input: {
        type: 'object',
        properties: { html: { type: 'string', minLength: 1, maxLength: 2000000 }, keywords: { ...keywords, minItems: 1 }, language: { type: 'string', pattern: '^[a-z]{2}(-[A-Z]{2})?$' } },
        required: ['html', 'keywords'],
        additionalProperties: false,
      },
    },
  },
  handle(task) {
    throw new NotImplementedError(`seo-optimizer capability ${task.capability}`);
  },
});
