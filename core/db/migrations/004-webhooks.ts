/**
 * Tables: webhook_requests, webhook_events, webhook_outbox, webhook_event_runs,
 * webhook_rejections, webhook_sources, sales, trigger_rules, webhook_settings,
 * webhook_subscriptions, webhook_deliveries, webhook_delivery_attempts.
 *
 * - webhook_requests + webhook_events + webhook_outbox are written in one
 *   transaction before an inbound webhook is acknowledged.
 * - unique(tenant_id, connector, source, provider_event_id) on webhook_events
 *   makes a provider's redelivery a duplicate forever (no time window).
 * - webhook_rejections is a ring buffer: primary key (tenant_id, slot), slots
 *   0..WEBHOOKS_REJECTION_LOG_SIZE-1, capped column sizes, so rejected requests
 *   can never grow the table beyond a fixed size.
 * - sales: unique(tenant_id, network, kind, transaction_id) records each
 *   provider transaction once; amount_minor is signed (refunds/chargebacks < 0).
 * - webhook_deliveries: id is the Standard Webhooks `webhook-id`, stable across
 *   retries; unique(subscription_id, event_key) makes fan-out idempotent.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  const tenantFk = (t: Knex.CreateTableBuilder) =>
    t.string('tenant_id', 36).notNullable().references('id').inTable('tenants').onDelete('CASCADE');

  await knex.schema.createTable('webhook_requests', (t) => {
    t.string('id', 36).primary();
    tenantFk(t);
    t.string('connector', 64).notNullable();
    t.string('source', 64).notNullable().defaultTo('');
    t.string('method', 10).notNullable();
    t.text('headers').notNullable();
    t.text('query').notNullable();
    t.binary('body').notNullable();
    t.integer('body_size').notNullable();
    t.string('outcome', 16).notNullable();
    t.integer('event_count').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable();
    t.index(['tenant_id', 'received_at']);
  });
  await knex.schema.createTable('webhook_events', (t) => {
    t.string('id', 36).primary();
    tenantFk(t);
    t.string('connector', 64).notNullable();
    t.string('source', 64).notNullable().defaultTo('');
    t.string('provider_event_id', 255).notNullable();
    t.string('type', 128).notNullable();
    t.string('request_id', 36).notNullable();
    t.text('data').notNullable();
    t.text('ledger');
    t.timestamp('occurred_at', { useTz: true });
    t.timestamp('received_at', { useTz: true }).notNullable();
    t.integer('duplicates').notNullable().defaultTo(0);
    t.timestamp('last_duplicate_at', { useTz: true });
    t.unique(['tenant_id', 'connector', 'source', 'provider_event_id']);
    t.index(['tenant_id', 'received_at']);
    t.index(['tenant_id', 'type']);
  });
  await knex.schema.createTable('webhook_outbox', (t) => {
    t.increments('id').primary();
    t.string('tenant_id', 36).notNullable();
    t.string('event_id', 36).notNullable().references('id').inTable('webhook_events').onDelete('CASCADE');
    t.string('replay_id', 36);
    t.string('status', 16).notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('available_at', { useTz: true }).notNullable();
    t.timestamp('locked_until', { useTz: true });
    t.text('last_error');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('done_at', { useTz: true });
    t.index(['status', 'available_at']);
    t.index(['event_id']);
  });
  await knex.schema.createTable('webhook_event_runs', (t) => {
    t.string('event_id', 36).notNullable().references('id').inTable('webhook_events').onDelete('CASCADE');
    t.string('rule_id', 36).notNullable();
    t.string('replay_id', 36).notNullable().defaultTo('');
    t.string('tenant_id', 36).notNullable();
    t.string('pipeline_id', 36).notNullable();
    // Null with `error` set when the run could not be started for good (e.g. input invalid).
    t.string('run_id', 36);
    t.string('error', 500);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.primary(['event_id', 'rule_id', 'replay_id']);
  });
  await knex.schema.createTable('webhook_rejections', (t) => {
    t.string('tenant_id', 36).notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.integer('slot').notNullable();
    t.string('connector', 64).notNullable();
    t.string('source', 64).notNullable().defaultTo('');
    t.string('reason', 200).notNullable();
    t.string('remote_ip', 64).notNullable();
    t.string('method', 10).notNullable();
    t.text('headers').notNullable();
    t.text('body_prefix').notNullable();
    t.integer('body_size').notNullable();
    t.string('body_sha256', 64).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.primary(['tenant_id', 'slot']);
  });
  await knex.schema.createTable('webhook_sources', (t) => {
    t.string('id', 36).primary();
    tenantFk(t);
    t.string('name', 64).notNullable();
    t.text('settings').notNullable();
    t.text('secret').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.unique(['tenant_id', 'name']);
  });
  await knex.schema.createTable('sales', (t) => {
    t.string('id', 36).primary();
    tenantFk(t);
    t.string('site_id', 36).references('id').inTable('sites').onDelete('SET NULL');
    t.string('network', 64).notNullable();
    t.string('kind', 16).notNullable();
    t.string('transaction_id', 255).notNullable();
    t.string('order_id', 255);
    t.string('reverses_transaction_id', 255);
    t.string('original_sale_id', 36);
    t.string('event_id', 36).notNullable();
    t.string('amount', 32).notNullable();
    t.bigInteger('amount_minor').notNullable();
    t.string('currency', 3).notNullable();
    t.string('status', 16).notNullable();
    t.string('site_ref', 255);
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.string('day', 10).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['tenant_id', 'network', 'kind', 'transaction_id']);
    t.index(['tenant_id', 'site_id', 'day']);
    t.index(['tenant_id', 'network', 'order_id']);
    t.index(['tenant_id', 'occurred_at']);
  });
  await knex.schema.createTable('trigger_rules', (t) => {
    t.string('id', 36).primary();
    tenantFk(t);
    t.string('name', 200).notNullable();
    t.string('event_type', 128).notNullable();
    t.text('filters').notNullable();
    t.string('pipeline_id', 36).notNullable();
    t.text('input_mapping').notNullable();
    t.boolean('enabled').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['tenant_id', 'enabled']);
  });
  await knex.schema.createTable('webhook_settings', (t) => {
    t.string('tenant_id', 36).primary().references('id').inTable('tenants').onDelete('CASCADE');
    t.boolean('allow_private_targets').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('webhook_subscriptions', (t) => {
    t.string('id', 36).primary();
    tenantFk(t);
    t.string('url', 2048).notNullable();
    t.text('event_types').notNullable();
    t.text('secret').notNullable();
    t.string('description', 500).notNullable().defaultTo('');
    t.boolean('enabled').notNullable();
    t.string('disabled_reason', 200);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['tenant_id']);
  });
  await knex.schema.createTable('webhook_deliveries', (t) => {
    t.string('id', 64).primary();
    tenantFk(t);
    t.string('subscription_id', 36).notNullable().references('id').inTable('webhook_subscriptions').onDelete('CASCADE');
    t.string('event_type', 128).notNullable();
    t.string('event_key', 255).notNullable();
    t.text('payload').notNullable();
    t.string('status', 16).notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('cycle_start').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true });
    t.timestamp('locked_until', { useTz: true });
    t.integer('last_status_code');
    t.text('last_error');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.timestamp('completed_at', { useTz: true });
    t.unique(['subscription_id', 'event_key']);
    t.index(['status', 'next_attempt_at']);
    t.index(['tenant_id', 'subscription_id', 'created_at']);
  });
  await knex.schema.createTable('webhook_delivery_attempts', (t) => {
    t.increments('id').primary();
    t.string('delivery_id', 64).notNullable().references('id').inTable('webhook_deliveries').onDelete('CASCADE');
    t.string('tenant_id', 36).notNullable();
    t.integer('attempt').notNullable();
    t.integer('status_code');
    t.integer('latency_ms').notNullable();
    t.string('error', 500);
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.index(['delivery_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'webhook_delivery_attempts', 'webhook_deliveries', 'webhook_subscriptions', 'webhook_settings', 'trigger_rules',
    'sales', 'webhook_sources', 'webhook_rejections', 'webhook_event_runs', 'webhook_outbox', 'webhook_events', 'webhook_requests',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
