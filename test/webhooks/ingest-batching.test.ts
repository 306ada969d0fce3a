/**
 * The batched write paths behind the ingest benchmark, on SQLite and on
 * PostgreSQL, against the real stores (no HTTP):
 * - InboxWriter under concurrency: PostgreSQL's single-statement fast path,
 *   its rollback to the general path when an event exists already, and the
 *   general path must together store every key once, count every redelivery
 *   and write one outbox row per new event.
 * - SalesStore.recordMany (the relay's ledger batch) must leave the ledger
 *   exactly as one `record` call per entry would, including reversals that
 *   arrive before their sale and duplicates inside the batch.
 */
import { expect } from 'chai';
import { createDb, migrateLatest, type Db } from '../../core/db/knex.js';
import { TenantsRepo } from '../../core/db/repos/tenants-repo.js';
import type { LedgerEntry, NormalizedEvent } from '../../core/sdk/index.js';
import { SalesStore } from '../../webhooks/ledger/sales-store.js';
import { fastWrite, InboxWriter, type IngestItem } from '../../webhooks/store/inbox-writer.js';
import { forEachDialect } from '../support/databases.js';

function item(tenantId: string, ids: string[]): IngestItem {
  const events: NormalizedEvent[] = ids.map((id) => ({ type: 'digistore24.payment', providerEventId: id, data: { id }, occurredAt: '2025-03-10T10:00:00Z' }));
  return { tenantId, connector: 'digistore24', source: '', method: 'POST', headers: { 'content-type': 'text/plain' }, query: {}, body: Buffer.from(ids.join(',')), events };
}

forEachDialect('webhooks: batched ingest and ledger writes', (database, dialect) => {
  let db: Db;
  let tenantId: string;
  let other: string;
  const count = async (table: string, where: Record<string, unknown> = {}) => Number((await db(table).where(where).count({ c: '*' }))[0].c);

  before(async () => {
    const d = database();
    db = createDb({ databaseUrl: d.databaseUrl, dataDir: d.dataDir, searchPath: d.searchPath });
    await migrateLatest(db);
    tenantId = (await new TenantsRepo(db).create('batching')).id;
    other = (await new TenantsRepo(db).create('batching-sequential')).id;
  });
  after(async () => {
    await db?.destroy();
  });

  it('concurrent writes store each event once, count every redelivery and queue one outbox row per new event', async () => {
    const writer = new InboxWriter(db, { maxBatch: 7, concurrency: 3 });
    await writer.write(item(tenantId, ['old-1']));
    // 120 requests at once: unique events, redeliveries of a stored event, the same new key many times, and a request with two events.
    const items: IngestItem[] = [];
    for (let i = 0; i < 100; i++) items.push(item(tenantId, [`new-${i}`]));
    for (let i = 0; i < 10; i++) items.push(item(tenantId, ['old-1']));
    for (let i = 0; i < 9; i++) items.push(item(tenantId, ['hot']));
    items.push(item(tenantId, ['pair-a', 'pair-b']));
    const results = await Promise.all(items.map((it) => writer.write(it)));

    expect(results.slice(0, 100).every((r) => r.outcome === 'accepted' && !r.events[0].duplicate)).to.equal(true);
    expect(results.slice(100, 110).every((r) => r.outcome === 'duplicate')).to.equal(true);
    const hot = results.slice(110, 119);
    expect(hot.filter((r) => r.outcome === 'accepted')).to.have.length(1);
    expect(new Set(hot.map((r) => r.events[0].id)).size).to.equal(1);
    expect(results[119].outcome).to.equal('accepted');

    expect(await count('webhook_events', { tenant_id: tenantId })).to.equal(1 + 100 + 1 + 2);
    expect(await count('webhook_outbox', { tenant_id: tenantId })).to.equal(1 + 100 + 1 + 2);
    expect(await count('webhook_requests', { tenant_id: tenantId })).to.equal(1 + items.length);
    expect(await count('webhook_requests', { tenant_id: tenantId, outcome: 'duplicate' })).to.equal(10 + 8);
    const dupes = async (id: string) => Number((await db('webhook_events').where({ tenant_id: tenantId, provider_event_id: id }).first()).duplicates);
    expect(await dupes('old-1')).to.equal(10);
    expect(await dupes('hot')).to.equal(8);
    expect(await dupes('new-5')).to.equal(0);
  });

  // SQLite always takes the general path: the fast path exists on PostgreSQL only.
  if (dialect === 'postgresql') it('the PostgreSQL fast path stores nothing and declines when one event of the batch exists already', async function () {
    const before = { events: await count('webhook_events'), requests: await count('webhook_requests'), outbox: await count('webhook_outbox') };
    expect(await fastWrite(db, [item(tenantId, ['fresh-1']), item(tenantId, ['old-1'])])).to.equal(undefined);
    expect(await fastWrite(db, [item(tenantId, ['fresh-2']), item(tenantId, ['fresh-2'])])).to.equal(undefined);
    expect({ events: await count('webhook_events'), requests: await count('webhook_requests'), outbox: await count('webhook_outbox') }).to.deep.equal(before);
    const stored = await fastWrite(db, [item(tenantId, ['fresh-1']), item(tenantId, ['fresh-3', 'fresh-4'])]);
    expect(stored?.map((r) => r.outcome)).to.deep.equal(['accepted', 'accepted']);
    expect(await count('webhook_outbox')).to.equal(before.outbox + 3);
    expect(await count('webhook_requests')).to.equal(before.requests + 2);
  });

  it('recordMany leaves the ledger as sequential record calls would: early reversals, in-batch reversals, duplicates', async () => {
    const entry = (kind: LedgerEntry['kind'], transactionId: string, extra: Partial<LedgerEntry> = {}): LedgerEntry => ({
      kind, transactionId, amount: '10.00', currency: 'EUR', occurredAt: '2025-03-10T10:00:00Z', ...extra,
    });
    const sales = new SalesStore(db);
    // Arrived before the batch: a refund waiting for sale T1 (linked by transaction) and a chargeback waiting for order O3.
    const early = [entry('refund', 'R1', { reversesTransactionId: 'T1', amount: '0' }), entry('chargeback', 'C3', { orderId: 'O3' })];
    const batch = [
      entry('sale', 'T1', { amount: '49.00' }),
      entry('sale', 'T2', { amount: '20.00', orderId: 'O2' }),
      entry('refund', 'R2', { reversesTransactionId: 'T2', amount: '20.00' }),
      entry('sale', 'T1', { amount: '49.00' }),
      entry('sale', 'T3', { amount: '5.00', orderId: 'O3' }),
      entry('missed_payment', 'M1'),
    ];
    for (const e of early) {
      await sales.record(tenantId, 'digistore24', `ev-${e.transactionId}`, e);
      await sales.record(other, 'digistore24', `ev-${e.transactionId}`, e);
    }
    const many = await sales.recordMany(batch.map((e, i) => ({ tenantId, network: 'digistore24', eventId: `ev-${i}`, entry: e })));
    const sequential = [];
    for (let i = 0; i < batch.length; i++) sequential.push(await sales.record(other, 'digistore24', `ev-${i}`, batch[i]));

    // Statuses are left out here: recordMany reports each sale as it stands after the whole batch (T2 already refunded).
    const shape = (r: { sale: { kind: string; transactionId: string; amount: string }; created: boolean }) =>
      ({ kind: r.sale.kind, tx: r.sale.transactionId, amount: r.sale.amount, created: r.created });
    expect(many.map(shape)).to.deep.equal(sequential.map(shape));
    expect(many[1].sale.status).to.equal('refunded');
    expect(many.map((r) => r.created)).to.deep.equal([true, true, true, false, true, true]);
    expect(many[3].sale.id).to.equal(many[0].sale.id);

    const ledger = async (t: string) => {
      const rows = await db('sales').where({ tenant_id: t }).orderBy('transaction_id');
      const byId = new Map(rows.map((r: any) => [r.id, r.transaction_id]));
      return rows.map((r: any) => ({ tx: r.transaction_id, kind: r.kind, status: r.status, minor: Number(r.amount_minor), original: r.original_sale_id ? byId.get(r.original_sale_id) : null }));
    };
    const result = await ledger(tenantId);
    expect(result).to.deep.equal(await ledger(other));
    expect(result).to.deep.include.members([
      { tx: 'T1', kind: 'sale', status: 'refunded', minor: 4900, original: null },
      { tx: 'R1', kind: 'refund', status: 'recorded', minor: -4900, original: 'T1' },
      { tx: 'T2', kind: 'sale', status: 'refunded', minor: 2000, original: null },
      { tx: 'R2', kind: 'refund', status: 'recorded', minor: -2000, original: 'T2' },
      { tx: 'T3', kind: 'sale', status: 'charged_back', minor: 500, original: null },
      { tx: 'C3', kind: 'chargeback', status: 'recorded', minor: -1000, original: 'T3' },
    ]);
  });
});
