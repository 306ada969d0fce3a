/** Sites of the caller's tenant. Another tenant's site answers 404: existence never leaks. */
import type { Db } from '../../db/knex.js';
import { isUniqueViolation } from '../../db/knex.js';
import { SitesRepo, type SiteInput } from '../../db/repos/sites-repo.js';
import { HubError } from '../../errors.js';
import { common, defineRoute, type RouteSpec } from '../route.js';

const domain = { type: 'string', minLength: 3, maxLength: 253, pattern: '^(?=.{3,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}$' };
const siteFields = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  domain,
  tags: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 64 }, maxItems: 50, uniqueItems: true },
};
const siteSchema = {
  type: 'object',
  properties: { id: { type: 'string' }, ...siteFields, createdAt: { type: 'string', format: 'date-time' }, updatedAt: { type: 'string', format: 'date-time' } },
  required: ['id', 'name', 'domain', 'tags', 'createdAt', 'updatedAt'],
};

function notFound(): HubError {
  return new HubError('HUB_ERR_NOT_FOUND', { message: 'No such site' });
}

async function uniqueDomain<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isUniqueViolation(err)) throw new HubError('HUB_ERR_CONFLICT', { message: 'A site with this domain exists already', details: [{ path: '/body/domain', message: 'is taken' }] });
    throw err;
  }
}

export function sitesRoutes(deps: { db: Db }): RouteSpec[] {
  const repo = new SitesRepo(deps.db);
  return [
    defineRoute<unknown, { limit: number; offset: number }>({
      method: 'GET', path: '/sites', operationId: 'listSites', tag: 'sites', auth: { scope: 'sites:read' },
      summary: 'List sites',
      query: common.pageQuery,
      responses: { 200: { description: 'A page of sites', schema: { type: 'object', properties: { items: { type: 'array', items: siteSchema }, total: { type: 'integer' } } } } },
      handler: async ({ query, principal }) => ({ body: await repo.list(principal.tenantId, query) }),
    }),
    defineRoute<SiteInput>({
      method: 'POST', path: '/sites', operationId: 'createSite', tag: 'sites', auth: { scope: 'sites:write' },
      summary: 'Create a site',
      body: { type: 'object', properties: siteFields, required: ['name', 'domain'], additionalProperties: false },
      responses: { 201: { description: 'Created', schema: siteSchema }, 409: { description: 'Domain taken' } },
      handler: async ({ body, principal }) => ({ status: 201, body: await uniqueDomain(() => repo.create(principal.tenantId, body)) }),
    }),
    defineRoute<unknown, unknown, { id: string }>({
      method: 'GET', path: '/sites/:id', operationId: 'getSite', tag: 'sites', auth: { scope: 'sites:read' },
      summary: 'Get a site',
      params: common.idParams,
      responses: { 200: { description: 'The site', schema: siteSchema } },
      handler: async ({ params, principal }) => {
        const site = await repo.get(principal.tenantId, params.id);
        if (!site) throw notFound();
        return { body: site };
      },
    }),
    defineRoute<Partial<SiteInput>, unknown, { id: string }>({
      method: 'PATCH', path: '/sites/:id', operationId: 'updateSite', tag: 'sites', auth: { scope: 'sites:write' },
      summary: 'Change a site',
      params: common.idParams,
      body: { type: 'object', properties: siteFields, minProperties: 1, additionalProperties: false },
      responses: { 200: { description: 'The changed site', schema: siteSchema }, 409: { description: 'Domain taken' } },
      handler: async ({ params, body, principal }) => {
        const site = await uniqueDomain(() => repo.update(principal.tenantId, params.id, body));
        if (!site) throw notFound();
        return { body: site };
      },
    }),
    defineRoute<unknown, unknown, { id: string }>({
      method: 'DELETE', path: '/sites/:id', operationId: 'deleteSite', tag: 'sites', auth: { scope: 'sites:write' },
      summary: 'Delete a site',
      params: common.idParams,
      responses: { 204: { description: 'Deleted' } },
      handler: async ({ params, principal }) => {
        if (!(await repo.remove(principal.tenantId, params.id))) throw notFound();
        return { status: 204 };
      },
    }),
  ];
}
