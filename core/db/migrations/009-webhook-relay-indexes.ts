/**
 * webhook_outbox and sales: fewer index writes per relayed webhook event.
 *
 * - webhook_outbox (status, available_at) becomes a partial index on
 *   (available_at, id) of pending rows. The relay's claim asks for the
 *   oldest due pending rows; with the old index it read every pending row and
 *   sorted them (under a backlog, time linear in the backlog for each batch),
 *   and every done row stayed in the index for good. Now it reads the first
 *   due rows in index order and stops, and done rows add no entry (the
 *   pending versions' entries go with vacuum).
 * - webhook_outbox fillfactor 50 (PostgreSQL): the claim rewrites
 *   locked_until and attempts, which no index covers, so with room left on
 *   the page that update is heap-only (HOT) and adds no index entries.
 * - sales (tenant_id, network, reverses_transaction_id) becomes partial
 *   (reverses_transaction_id is not null): only refunds and chargebacks
 *   carry one, and the lookups that use the index name a value, which implies
 *   the predicate (on SQLite too); sales and rebills no longer add an entry.
 * - sales (tenant_id, network, order_id) of unlinked refunds and chargebacks:
 *   for every batch of new sales the relay asks whether a reversal is waiting
 *   for one of their order ids. The full order_id index answered with the new
 *   sales themselves, each then read from the table to be filtered out by its
 *   kind; this index holds only the waiting reversals (usually none). Only
 *   reversal rows add an entry.
 */
import type { Knex } from 'knex';

const isPg = (knex: Knex) => knex.client.config.client === 'pg';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('drop index webhook_outbox_status_available_at_index');
  await knex.raw("create index webhook_outbox_pending on webhook_outbox (available_at, id) where status = 'pending'");
  await knex.raw('drop index sales_tenant_network_reverses_index');
  await knex.raw('create index sales_tenant_network_reverses on sales (tenant_id, network, reverses_transaction_id) where reverses_transaction_id is not null');
  await knex.raw("create index sales_waiting_reversal_orders on sales (tenant_id, network, order_id) where original_sale_id is null and kind in ('refund', 'chargeback')");
  if (isPg(knex)) await knex.raw('alter table webhook_outbox set (fillfactor = 50)');
}

export async function down(knex: Knex): Promise<void> {
  if (isPg(knex)) await knex.raw('alter table webhook_outbox reset (fillfactor)');
  await knex.raw('drop index sales_waiting_reversal_orders');
  await knex.raw('drop index sales_tenant_network_reverses');
  await knex.raw('create index sales_tenant_network_reverses_index on sales (tenant_id, network, reverses_transaction_id)');
  await knex.raw('drop index webhook_outbox_pending');
  await knex.raw('create index webhook_outbox_status_available_at_index on webhook_outbox (status, available_at)');
}
