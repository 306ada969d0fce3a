/**
 * sales(tenant_id, network, reverses_transaction_id).
 *
 * When a sale is recorded, the ledger looks for a refund or chargeback that
 * arrived before it (`reverses_transaction_id = sale's transaction id OR
 * order_id = sale's order id`). Only order_id had an index, so the OR made
 * both dialects scan every sale of the tenant and network: each new sale cost
 * time linear in the ledger's size and the outbox relay fell behind under load.
 * With this index the lookup is two index probes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sales', (t) => {
    t.index(['tenant_id', 'network', 'reverses_transaction_id'], 'sales_tenant_network_reverses_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sales', (t) => {
    t.dropIndex(['tenant_id', 'network', 'reverses_transaction_id'], 'sales_tenant_network_reverses_index');
  });
}
