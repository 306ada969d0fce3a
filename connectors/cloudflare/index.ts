/**
 * Cloudflare: zones, DNS records, Pages direct-upload deployments and cache
 * purge through API v4 (Bearer API token, 1200 requests / 5 min).
 * Facts: ../shared/reference/cloudflare.md. Actions are declared; their
 * behaviour arrives with the Cloudflare issue and fails with
 * NotImplementedError until then.
 */
import { defineAction, defineConnector, NotImplementedError } from '../../core/sdk/index.js';

const zoneId = { type: 'string', pattern: '^[0-9a-f]{32}$' };
const fqdn = { type: 'string', minLength: 1, maxLength: 253 };
const recordType = { type: 'string', enum: ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'CAA', 'SRV'] };
const record = {
  type: { ...recordType },
  name: fqdn,
  content: { type: 'string', minLength: 1, maxLength: 4096 },
  ttl: { anyOf: [{ const: 1 }, { type: 'integer', minimum: 60, maximum: 2147483647 }], description: '1 means automatic' },
  proxied: { type: 'boolean' },
  priority: { type: 'integer', minimum: 0, maximum: 65535 },
  comment: { type: 'string', maxLength: 500 },
};
const projectName = { type: 'string', minLength: 1, maxLength: 58, pattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$' };

function notYet(action: string): never {
  throw new NotImplementedError(`cloudflare action ${action}`);
}

export default defineConnector({
  id: 'cloudflare',
  version: '0.1.0',
  hub: '^1.0.0',
  description: 'Cloudflare: zones, DNS records, Pages direct-upload deployments and cache purge',
  credentials: {
    type: 'object',
    properties: {
      apiToken: { type: 'string', minLength: 20, maxLength: 200, description: 'API token (Zone DNS edit, Cache Purge, Pages edit as needed); sent as Bearer' },
      accountId: { type: 'string', pattern: '^[0-9a-f]{32}$', description: 'Account id for Pages projects' },
    },
    additionalProperties: false,
  },
  actions: {
    find_zone: defineAction({
      description: 'Look up a zone id by name (GET /zones?name=)',
      input: { type: 'object', properties: { name: fqdn }, required: ['name'], additionalProperties: false },
      run: () => notYet('find_zone'),
    }),
    list_dns_records: defineAction({
      description: 'DNS records of a zone, optionally by type and name (GET /zones/{zone_id}/dns_records)',
      input: { type: 'object', properties: { zoneId, type: recordType, name: fqdn }, required: ['zoneId'], additionalProperties: false },
      run: () => notYet('list_dns_records'),
    }),
    create_dns_record: defineAction({
      description: 'Create a DNS record (POST /zones/{zone_id}/dns_records)',
      input: { type: 'object', properties: { zoneId, ...record }, required: ['zoneId', 'type', 'name', 'content'], additionalProperties: false },
      run: () => notYet('create_dns_record'),
    }),
    update_dns_record: defineAction({
      description: 'Overwrite a DNS record (PUT /zones/{zone_id}/dns_records/{id})',
      input: { type: 'object', properties: { zoneId, recordId: { type: 'string', pattern: '^[0-9a-f]{32}$' }, ...record }, required: ['zoneId', 'recordId', 'type', 'name', 'content'], additionalProperties: false },
      run: () => notYet('update_dns_record'),
    }),
    delete_dns_record: defineAction({
      description: 'Delete a DNS record (DELETE /zones/{zone_id}/dns_records/{id})',
      input: { type: 'object', properties: { zoneId, recordId: { type: 'string', pattern: '^[0-9a-f]{32}$' } }, required: ['zoneId', 'recordId'], additionalProperties: false },
      run: () => notYet('delete_dns_record'),
    }),
    purge_cache: defineAction({
      description: 'Purge cached content: everything, or by URL, tag, host or prefix (POST /zones/{zone_id}/purge_cache)',
      input: {
        type: 'object',
        properties: {
          zoneId,
          everything: { const: true },
          files: { type: 'array', items: { type: 'string', format: 'uri' }, minItems: 1, maxItems: 100 },
          tags: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, maxItems: 100 },
          hosts: { type: 'array', items: fqdn, minItems: 1, maxItems: 100 },
          prefixes: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, maxItems: 100 },
        },
        required: ['zoneId'],
        oneOf: [{ required: ['everything'] }, { required: ['files'] }, { required: ['tags'] }, { required: ['hosts'] }, { required: ['prefixes'] }],
        additionalProperties: false,
      },
      run: () => notYet('purge_cache'),
    }),
    create_pages_project: defineAction({
      description: 'Create a direct-upload Pages project (POST /accounts/{account_id}/pages/projects)',
      input: { type: 'object', properties: { name: projectName, productionBranch: { type: 'string', minLength: 1, maxLength: 100, default: 'main' } }, required: ['name'], additionalProperties: false },
      run: () => notYet('create_pages_project'),
    }),
    deploy_pages: defineAction({
      description: 'Deploy static files to a Pages project with the direct-upload flow (upload token, check-missing, upload, upsert-hashes, deployment)',
      input: {
        type: 'object',
        properties: {
          project: projectName,
          branch: { type: 'string', minLength: 1, maxLength: 100 },
          files: {
            type: 'array',
            minItems: 1,
            maxItems: 20000,
            items: {
              type: 'object',
              properties: { path: { type: 'string', pattern: '^/', maxLength: 1000 }, contentBase64: { type: 'string' }, contentType: { type: 'string', maxLength: 200 } },
              required: ['path', 'contentBase64'],
              additionalProperties: false,
            },
          },
        },
        required: ['project', 'files'],
        additionalProperties: false,
      },
      run: () => notYet('deploy_pages'),
    }),
  },
  check: () => notYet('credential check'),
});
