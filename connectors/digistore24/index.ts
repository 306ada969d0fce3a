/**
 * Digistore24: purchases, transactions and affiliate links through the REST
 * API (`X-DS-API-KEY`), plus the signed IPN (webhook.ts, webhooks issue).
 * Facts: ../shared/reference/digistore24.md. Actions are declared; their
 * behaviour arrives with the Digistore24 issue and fails with
 * NotImplementedError until then.
 */
import { defineAction, defineConnector, NotImplementedError } from '../../core/sdk/index.js';
import { digistore24Webhook } from './webhook.js';

const when = { type: 'string', minLength: 1, maxLength: 40, description: '"2024-02-28 23:11:24", ISO 8601, "now", "start" or relative like "-3d"' };
const page = {
  page_no: { type: 'integer', minimum: 1, default: 1 },
  page_size: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
};

function notYet(action: string): never {
  throw new NotImplementedError(`digistore24 action ${action}`);
}

export default defineConnector({
  id: 'digistore24',
  version: '0.1.0',
  hub: '^1.0.0',
  webhook: digistore24Webhook,
  description: 'Digistore24: purchases, transactions, affiliate links and IPN sale notifications',
  credentials: {
    type: 'object',
    properties: {
      apiKey: { type: 'string', minLength: 8, maxLength: 200, description: 'REST API key (sent as X-DS-API-KEY)' },
      ipnPassphrase: { type: 'string', minLength: 1, maxLength: 200, description: 'SHA passphrase of the IPN connection (verifies sha_sign)' },
    },
    additionalProperties: false,
  },
  actions: {
    list_purchases: defineAction({
      description: 'Orders created in a period (listPurchases)',
      input: { type: 'object', properties: { from: when, to: when, ...page }, additionalProperties: false },
      run: () => notYet('list_purchases'),
    }),
    list_transactions: defineAction({
      description: 'Payments, refunds and chargebacks in a period (listTransactions)',
      input: {
        type: 'object',
        properties: { from: when, to: when, role: { type: 'string', enum: ['vendor', 'affiliate'] }, productId: { type: 'string', pattern: '^[0-9]{1,12}$' }, ...page },
        additionalProperties: false,
      },
      run: () => notYet('list_transactions'),
    }),
    get_purchase: defineAction({
      description: 'One order by its id (getPurchase)',
      input: { type: 'object', properties: { purchaseId: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['purchaseId'], additionalProperties: false },
      run: () => notYet('get_purchase'),
    }),
    create_affiliate_link: defineAction({
      description: 'A promotion link for a product carrying the affiliate and tracking values',
      input: {
        type: 'object',
        properties: {
          productId: { type: 'string', pattern: '^[0-9]{1,12}$' },
          affiliate: { type: 'string', minLength: 1, maxLength: 100 },
          campaignkey: { type: 'string', maxLength: 100 },
          custom: { type: 'string', maxLength: 200, description: 'Comes back in the IPN field `custom`' },
        },
        required: ['productId'],
        additionalProperties: false,
      },
      run: () => notYet('create_affiliate_link'),
    }),
  },
  check: () => notYet('credential check'),
});
