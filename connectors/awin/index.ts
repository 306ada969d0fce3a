/**
 * AWIN (publisher side): programmes, transactions, reports and tracked links
 * through the Publisher API (Bearer token, 20 calls/min per user), plus
 * transaction notifications (webhook.ts, webhooks issue).
 * Facts: ../shared/reference/awin.md. Actions are declared; their behaviour
 * arrives with the AWIN issue and fails with NotImplementedError until then.
 */
import { defineAction, defineConnector, NotImplementedError } from '../../core/sdk/index.js';
import { awinWebhook } from './webhook.js';

const date = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'yyyy-MM-dd' };
const dateTime = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}$', description: 'yyyy-MM-ddTHH:mm:ss in `timezone` (no offset)' };
const timezone = {
  type: 'string',
  enum: ['Europe/Berlin', 'Europe/Paris', 'Europe/London', 'Europe/Dublin', 'Canada/Eastern', 'Canada/Central', 'Canada/Mountain', 'Canada/Pacific', 'US/Eastern', 'US/Central', 'US/Mountain', 'US/Pacific', 'UTC'],
};
const advertiserId = { type: 'integer', minimum: 1 };

function notYet(action: string): never {
  throw new NotImplementedError(`awin action ${action}`);
}

export default defineConnector({
  id: 'awin',
  version: '0.1.0',
  hub: '^1.0.0',
  webhook: awinWebhook,
  description: 'AWIN publisher: programmes, transactions, performance reports, tracked links and transaction notifications',
  credentials: {
    type: 'object',
    properties: {
      apiToken: { type: 'string', minLength: 8, maxLength: 500, description: 'Publisher API token (ui.awin.com/awin-api); sent as Bearer' },
      publisherId: { type: 'integer', minimum: 1, description: 'The publisher account id the token may access' },
      webhookToken: { type: 'string', minLength: 24, maxLength: 200, description: 'Random secret the transaction-notification URL carries as ?token=' },
    },
    additionalProperties: false,
  },
  config: {
    type: 'object',
    properties: { timezone: { ...timezone, default: 'UTC' } },
    additionalProperties: false,
  },
  actions: {
    list_programmes: defineAction({
      description: 'Programmes of the publisher, optionally by relationship and country (GET /publishers/{id}/programmes)',
      input: {
        type: 'object',
        properties: {
          relationship: { type: 'string', enum: ['joined', 'pending', 'suspended', 'rejected', 'notjoined'] },
          countryCode: { type: 'string', pattern: '^[A-Z]{2}$' },
        },
        additionalProperties: false,
      },
      run: () => notYet('list_programmes'),
    }),
    list_transactions: defineAction({
      description: 'Transactions in a window of at most 31 days (GET /publishers/{id}/transactions/)',
      input: {
        type: 'object',
        properties: {
          startDate: dateTime,
          endDate: dateTime,
          timezone,
          dateType: { type: 'string', enum: ['transaction', 'validation'] },
          status: { type: 'string', enum: ['pending', 'approved', 'declined', 'deleted'] },
          advertiserIds: { type: 'array', items: advertiserId, maxItems: 100, uniqueItems: true },
        },
        required: ['startDate', 'endDate'],
        additionalProperties: false,
      },
      run: () => notYet('list_transactions'),
    }),
    get_report: defineAction({
      description: 'Performance per advertiser for a date range and region (GET /publishers/{id}/reports/advertiser)',
      input: {
        type: 'object',
        properties: {
          startDate: date,
          endDate: date,
          region: { type: 'string', enum: ['AT', 'AU', 'BE', 'BR', 'BU', 'CA', 'CH', 'DE', 'DK', 'ES', 'FI', 'FR', 'GB', 'IE', 'IT', 'NL', 'NO', 'PL', 'SE', 'US'] },
          timezone,
          dateType: { type: 'string', enum: ['transaction', 'validation'] },
        },
        required: ['startDate', 'endDate', 'region'],
        additionalProperties: false,
      },
      run: () => notYet('get_report'),
    }),
    create_tracked_link: defineAction({
      description: 'A tracked (deep) link to an advertiser page with click refs (POST /publishers/{id}/linkbuilder/generate)',
      input: {
        type: 'object',
        properties: {
          advertiserId,
          destinationUrl: { type: 'string', format: 'uri', pattern: '^https?://' },
          clickref: { type: 'string', maxLength: 200 },
          campaign: { type: 'string', maxLength: 200 },
          shorten: { type: 'boolean', default: false },
        },
        required: ['advertiserId'],
        additionalProperties: false,
      },
      run: () => notYet('create_tracked_link'),
    }),
  },
  check: () => notYet('credential check'),
});
