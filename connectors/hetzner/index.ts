/**
 * Hetzner Cloud: servers (create from an image with cloud-init, poll actions,
 * delete) and DNS zones and records through the Cloud API
 * (https://api.hetzner.cloud/v1, Bearer project token, 3600 requests/hour).
 * Facts: ../shared/reference/hetzner.md. Actions are declared; their
 * behaviour arrives with the Hetzner issue and fails with NotImplementedError.
 */
import { defineAction, defineConnector, NotImplementedError } from '../../core/sdk/index.js';

const hostname = { type: 'string', minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$', description: 'RFC 1123 hostname, unique per project' };
const zone = { type: 'string', minLength: 3, maxLength: 253, pattern: '^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$', description: 'Zone name without a trailing dot, e.g. hub-demo.example' };
const rrName = { type: 'string', minLength: 1, maxLength: 253, description: 'Relative name, e.g. www or @' };
const rrType = { type: 'string', enum: ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'CAA', 'SRV', 'TLSA', 'DS', 'PTR', 'HINFO', 'RP'] };
const labels = { type: 'object', maxProperties: 64, additionalProperties: { type: 'string', maxLength: 63 } };
const id = { type: 'integer', minimum: 1 };

function notYet(action: string): never {
  throw new NotImplementedError(`hetzner action ${action}`);
}

export default defineConnector({
  id: 'hetzner',
  version: '0.1.0',
  hub: '^1.0.0',
  description: 'Hetzner Cloud: servers from images with cloud-init, action polling, DNS zones and records',
  credentials: {
    type: 'object',
    properties: { apiToken: { type: 'string', minLength: 16, maxLength: 200, description: 'Project API token (read & write); sent as Bearer' } },
    additionalProperties: false,
  },
  config: {
    type: 'object',
    properties: {
      defaultLocation: { type: 'string', minLength: 2, maxLength: 20, default: 'nbg1' },
      defaultServerType: { type: 'string', minLength: 2, maxLength: 40, default: 'cx22' },
      actionPollIntervalMs: { type: 'integer', minimum: 500, maximum: 60000, default: 2000 },
    },
    additionalProperties: false,
  },
  actions: {
    create_server: defineAction({
      description: 'Create a server from an image, with cloud-init user data (POST /v1/servers)',
      input: {
        type: 'object',
        properties: {
          name: hostname,
          image: { type: 'string', minLength: 1, maxLength: 100 },
          serverType: { type: 'string', minLength: 2, maxLength: 40 },
          location: { type: 'string', minLength: 2, maxLength: 20 },
          sshKeys: { type: 'array', items: id, maxItems: 50, uniqueItems: true },
          userData: { type: 'string', maxLength: 32768, description: 'cloud-init; stored by Hetzner, so never put secrets here' },
          labels,
        },
        required: ['name', 'image'],
        additionalProperties: false,
      },
      run: () => notYet('create_server'),
    }),
    get_actions: defineAction({
      description: 'Status of running actions, e.g. the create_server and start_server actions (GET /v1/actions?id=...)',
      input: { type: 'object', properties: { ids: { type: 'array', items: id, minItems: 1, maxItems: 50, uniqueItems: true } }, required: ['ids'], additionalProperties: false },
      run: () => notYet('get_actions'),
    }),
    delete_server: defineAction({
      description: 'Delete a server (DELETE /v1/servers/{id})',
      input: { type: 'object', properties: { serverId: id }, required: ['serverId'], additionalProperties: false },
      run: () => notYet('delete_server'),
    }),
    list_zones: defineAction({
      description: 'DNS zones of the project (GET /v1/zones)',
      input: { type: 'object', properties: { name: zone }, additionalProperties: false },
      run: () => notYet('list_zones'),
    }),
    create_zone: defineAction({
      description: 'Create a primary DNS zone (POST /v1/zones)',
      input: { type: 'object', properties: { name: zone, ttl: { type: 'integer', minimum: 60, maximum: 2147483647 }, labels }, required: ['name'], additionalProperties: false },
      run: () => notYet('create_zone'),
    }),
    set_records: defineAction({
      description: 'Create an RRset or replace its records (POST /v1/zones/{zone}/rrsets, …/actions/set_records)',
      input: {
        type: 'object',
        properties: {
          zone,
          name: rrName,
          type: rrType,
          ttl: { type: 'integer', minimum: 60, maximum: 2147483647 },
          records: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'object', properties: { value: { type: 'string', minLength: 1, maxLength: 4096 }, comment: { type: 'string', maxLength: 255 } }, required: ['value'], additionalProperties: false } },
        },
        required: ['zone', 'name', 'type', 'records'],
        additionalProperties: false,
      },
      run: () => notYet('set_records'),
    }),
    delete_records: defineAction({
      description: 'Delete an RRset (DELETE /v1/zones/{zone}/rrsets/{name}/{type})',
      input: { type: 'object', properties: { zone, name: rrName, type: rrType }, required: ['zone', 'name', 'type'], additionalProperties: false },
      run: () => notYet('delete_records'),
    }),
  },
  check: () => notYet('credential check'),
});
