/** The sales ledger API: list sales, and a site's revenue per day and network, net of reversals. */
import { HubError } from '../../core/errors.js';
import { SitesRepo } from '../../core/db/repos/sites-repo.js';
import type { Db } from '../../core/db/knex.js';
import { common, defineRoute, type RouteSpec } from '../../core/http/route.js';
import type { SalesStore } from '../ledger/sales-store.js';

const day = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' };

export function salesRoutes(deps: { db: Db; sales: SalesStore }): RouteSpec[] {
  return [
    defineRoute<unknown, { siteId?: string; network?: string; kind?: string; from?: string; to?: string; limit: number; offset: number }>({
      method: 'GET', path: '/sales', operationId: 'listSales', tag: 'sales', auth: { scope: 'sales:read' },
      summary: 'List ledger entries (sales, rebills, refunds, chargebacks, missed payments), newest first',
      query: {
        type: 'object',
        properties: {
          ...common.pageQuery.properties,
          siteId: common.uuid,
          network: { type: 'string', maxLength: 64 },
          kind: { type: 'string', enum: ['sale', 'rebill', 'refund', 'chargeback', 'missed_payment'] },
          from: { type: 'string', format: 'date-time' },
          to: { type: 'string', format: 'date-time' },
        },
        additionalProperties: false,
      },
      responses: { 200: { description: 'A page of ledger entries' } },
      handler: async ({ query, principal }) => ({ body: await deps.sales.list(principal.tenantId, query) }),
    }),
    defineRoute<unknown, { from?: string; to?: string }, { id: string }>({
      method: 'GET', path: '/sites/:id/revenue', operationId: 'getSiteRevenue', tag: 'sales', auth: { scope: 'sales:read' },
      summary: 'Revenue of a site per day, network and currency (gross, reversed, net); days are UTC',
      params: common.idParams,
      query: { type: 'object', properties: { from: day, to: day }, additionalProperties: false },
      responses: { 200: { description: 'Revenue rows and per-currency net totals' } },
      handler: async ({ params, query, principal }) => {
        if (!(await new SitesRepo(deps.db).get(principal.tenantId, params.id))) throw new HubError('HUB_ERR_NOT_FOUND', { message: 'No such site' });
        const to = query.to ?? new Date().toISOString().slice(0, 10);
        const from = query.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 30 * 86_400_000).toISOString().slice(0, 10);
        if (from > to) throw new HubError('HUB_ERR_VALIDATION_FAILED', { message: 'from must not be after to', details: [{ path: '/query/from', message: 'must not be after to' }] });
        return { body: { siteId: params.id, from, to, ...(await deps.sales.revenue(principal.tenantId, params.id, from, to)) } };
      },
    }),
  ];
}
