/**
 * SendGrid: sending e-mail through v3 Mail Send, plus the signed Event
 * Webhook (webhook.ts, webhooks issue). Facts: ../shared/reference/sendgrid.md.
 * The action is declared; its behaviour arrives with the SendGrid issue and
 * fails with NotImplementedError until then.
 */
import { defineAction, defineConnector, NotImplementedError } from '../../core/sdk/index.js';
import { sendgridWebhook } from './webhook.js';

const address = {
  type: 'object',
  properties: { email: { type: 'string', format: 'email', maxLength: 320 }, name: { type: 'string', maxLength: 200 } },
  required: ['email'],
  additionalProperties: false,
};

function notYet(action: string): never {
  throw new NotImplementedError(`sendgrid action ${action}`);
}

export default defineConnector({
  id: 'sendgrid',
  version: '0.1.0',
  hub: '^1.0.0',
  webhook: sendgridWebhook,
  description: 'SendGrid: send transactional and campaign e-mail; delivery and engagement events by webhook',
  credentials: {
    type: 'object',
    properties: {
      apiKey: { type: 'string', pattern: '^SG\\.', minLength: 10, maxLength: 200, description: 'API key with Mail Send permission (starts with SG.)' },
      webhookPublicKey: { type: 'string', minLength: 40, maxLength: 400, description: 'Verification key of the signed Event Webhook (base64 DER, no PEM lines)' },
    },
    additionalProperties: false,
  },
  config: {
    type: 'object',
    properties: {
      region: { type: 'string', enum: ['global', 'eu'], default: 'global', description: 'eu sends through api.eu.sendgrid.com' },
      sandbox: { type: 'boolean', default: false, description: 'Validate mail without sending it' },
      webhookToleranceSeconds: { type: 'integer', minimum: 10, maximum: 86400, default: 300, description: 'Oldest signed event timestamp accepted' },
    },
    additionalProperties: false,
  },
  actions: {
    send_email: defineAction({
      description: 'Send one e-mail (or one per personalization) through POST /v3/mail/send; answers with the X-Message-Id',
      input: {
        type: 'object',
        properties: {
          to: { type: 'array', items: address, minItems: 1, maxItems: 1000 },
          cc: { type: 'array', items: address, maxItems: 1000 },
          bcc: { type: 'array', items: address, maxItems: 1000 },
          from: address,
          replyTo: address,
          subject: { type: 'string', minLength: 1, maxLength: 998 },
          text: { type: 'string', minLength: 1 },
          html: { type: 'string', minLength: 1 },
          templateId: { type: 'string', pattern: '^d-[0-9a-f]{32}$' },
          dynamicTemplateData: { type: 'object' },
          categories: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 255 }, maxItems: 10, uniqueItems: true },
          customArgs: { type: 'object', additionalProperties: { type: 'string', maxLength: 1000 } },
          sendAt: { type: 'integer', minimum: 0 },
        },
        required: ['to', 'from'],
        anyOf: [{ required: ['text'] }, { required: ['html'] }, { required: ['templateId'] }],
        additionalProperties: false,
      },
      run: () => notYet('send_email'),
    }),
  },
  check: () => notYet('credential check'),
});
