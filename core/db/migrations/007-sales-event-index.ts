/**
 * sales(tenant_id, event_id).
 *
 * SalesStore.forEvent looks up the sales of one webhook event: the event
 * detail API (`GET /api/v1/events/:id`) and the outbox relay for every
 * replayed event. No index led with event_id, so both dialects scanned the
 * tenant's sales (at best by the (tenant_id, …) indexes): time linear in the
 * ledger's size. With this index the lookup is one index probe.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sales', (t) => {
    t.index(['tenant_id', 'event_id'], 'sales_tenant_event_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sales', (t) => {
    t.dropIndex(['tenant_id', 'event_id'], 'sales_tenant_event_index');
  });
}
