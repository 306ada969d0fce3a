/**
 * Content generator: articles, reviews, landing pages, e-mail sequences and
 * social posts through the LLM router. Manifest final; behaviour arrives with
 * the LLM issue, so every capability fails with NotImplementedError until then.
 */
import { defineAgent, NotImplementedError } from '../../core/sdk/index.js';

const language = { type: 'string', pattern: '^[a-z]{2}(-[A-Z]{2})?$', description: 'BCP 47 language, e.g. de or en-GB' };
const tone = { type: 'string', enum: ['neutral', 'friendly', 'expert', 'persuasive', 'playful'] };
const keywords = { type: 'array', items: { type: 'string', minLength: 1, maxLength: 100 }, maxItems: 50, uniqueItems: true };
const topic = { type: 'string', minLength: 2, maxLength: 300 };
const product = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    url: { type: 'string', format: 'uri', pattern: '^https?://' },
    features: { type: 'array', items: { type: 'string', maxLength: 300 }, maxItems: 50 },
    price: { type: 'string', maxLength: 50 },
  },
  required: ['name'],
  additionalProperties: false,
};
const document = {
  type: 'object',
  properties: { title: { type: 'string' }, html: { type: 'string' }, meta: { type: 'object' } },
  required: ['title', 'html'],
};

export default defineAgent({
  id: 'content-generator',
  version: '0.1.0',
  hub: '^1.0.0',
  description: 'Writes articles, product reviews, landing pages, e-mail sequences and social posts',
  requires: ['llm'],
  config: {
    type: 'object',
    properties: {
      defaultLanguage: { ...language, default: 'en' },
      defaultTone: { ...tone, default: 'friendly' },
      disclosure: { type: 'string', maxLength: 500, description: 'Affiliate disclosure added to monetised content' },
    },
    additionalProperties: false,
  },
  capabilities: {
    article: {
      description: 'A long-form article on a topic, optimised for the given keywords',
      input: {
        type: 'object',
        properties: { topic, keywords, language, tone, wordCount: { type: 'integer', minimum: 300, maximum: 6000, default: 1500 } },
        required: ['topic'],
        additionalProperties: false,
      },
      output: document,
    },
    product_review: {
      description: 'A review of one product with pros, cons and a verdict',
      input: { type: 'object', properties: { product, keywords, language, tone }, required: ['product'], additionalProperties: false },
      output: document,
    },
    landing_page: {
      description: 'A landing page for an offer with headline, benefits and calls to action',
      input: {
        type: 'object',
        properties: { offer: { type: 'string', minLength: 2, maxLength: 300 }, audience: { type: 'string', maxLength: 300 }, callToActionUrl: { type: 'string', format: 'uri', pattern: '^https?://' }, language, tone },
        required: ['offer'],
        additionalProperties: false,
      },
      output: document,
    },
    email_sequence: {
      description: 'A sequence of e-mails (subject and body each) for a topic or offer',
      input: {
        type: 'object',
        properties: { topic, emails: { type: 'integer', minimum: 1, maximum: 20, default: 5 }, audience: { type: 'string', maxLength: 300 }, language, tone },
        required: ['topic'],
        additionalProperties: false,
      },
    },
    social_posts: {
      description: 'Posts for social platforms about a topic or page',
      input: {
        type: 'object',
        properties: {
          topic,
          platforms: { type: 'array', items: { type: 'string', enum: ['x', 'facebook', 'instagram', 'linkedin', 'pinterest', 'tiktok'] }, minItems: 1, uniqueItems: true },
          count: { type: 'integer', minimum: 1, maximum: 30, default: 3 },
          url: { type: 'string', format: 'uri', pattern: '^https?://' },
          language,
        },
        required: ['topic', 'platforms'],
        additionalProperties: false,
      },
    },
  },
  handle(task) {
    throw new NotImplementedError(`content-generator capability ${task.capability}`);
  },
});
