/**
 * The sales ledger: one row per provider transaction (sale, rebill, refund,
 * chargeback, missed payment). Refunds and chargebacks are negative rows that
 * point at the sale they reverse and mark it refunded/charged back; because
 * delivery is unordered, a reversal that arrives before its sale is linked
 * when the sale arrives. Revenue is the sum of the signed rows, so it is net
 * of reversals whatever the arrival order.
 */
import { randomUUID } from 'node:crypto';
import type { Db, DbOrTx } from '../../core/db/knex.js';
import { isPostgres, prepared, toIso } from '../../core/db/knex.js';
import type { LedgerEntry } from '../../core/sdk/index.js';
import { clean } from '../store/rows.js';
import { fromMinor, toMinor } from '../../core/money.js';

export interface Sale {
  id: string;
  siteId: string | null;
  network: string;
  kind: LedgerEntry['kind'];
  transactionId: string;
  orderId: string | null;
  originalSaleId: string | null;
  eventId: string;
  amount: string;
  currency: string;
  status: string;
  occurredAt: string;
  createdAt: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isReversal = (kind: string) => kind === 'refund' || kind === 'chargeback';

function toSale(r: Record<string, any>): Sale {
  return {
    id: r.id, siteId: r.site_id ?? null, network: r.network, kind: r.kind, transactionId: r.transaction_id,
    orderId: r.order_id ?? null, originalSaleId: r.original_sale_id ?? null, eventId: r.event_id,
    amount: fromMinor(Number(r.amount_minor), r.currency), currency: r.currency, status: r.status,
    occurredAt: toIso(r.occurred_at)!, createdAt: toIso(r.created_at)!,
  };
}

function signedMinor(kind: string, amount: string, currency: string): number {
  const minor = Math.abs(toMinor(amount, currency));
  if (kind === 'missed_payment') return 0;
  return isReversal(kind) ? -minor : minor;
}

/** Resolves a tracking value (site id or domain) to one of the tenant's sites. */
export async function resolveSite(db: DbOrTx, tenantId: string, ref: string | undefined): Promise<string | null> {
  if (!ref) return null;
  const value = ref.trim().toLowerCase();
  const q = db('sites').select('id').where({ tenant_id: tenantId });
  const row = UUID.test(value) ? await q.andWhere({ id: value }).first() : await q.andWhere({ domain: clean(value, 253) }).first();
  return row ? String(row.id) : null;
}

/** The sales row for one ledger entry, before it is linked to the sale it reverses (or that reverses it). */
function ledgerRow(tenantId: string, network: string, eventId: string, entry: LedgerEntry, siteId: string | null) {
  const occurred = entry.occurredAt && !Number.isNaN(Date.parse(entry.occurredAt)) ? new Date(entry.occurredAt) : new Date();
  // The stored code decides the minor unit, here and when the amount is read back.
  const currency = clean(entry.currency.toUpperCase(), 3);
  return {
    id: randomUUID(), tenant_id: tenantId, site_id: siteId, network,
    kind: entry.kind, transaction_id: clean(entry.transactionId, 255), order_id: entry.orderId ? clean(entry.orderId, 255) : null,
    reverses_transaction_id: entry.reversesTransactionId ? clean(entry.reversesTransactionId, 255) : null,
    original_sale_id: null as string | null, event_id: eventId, amount: clean(entry.amount, 32),
    amount_minor: signedMinor(entry.kind, entry.amount, currency), currency,
    status: 'recorded', site_ref: entry.siteRef ? clean(entry.siteRef, 255) : null,
    occurred_at: occurred, day: occurred.toISOString().slice(0, 10), created_at: new Date(),
  };
}

/** Columns of a sales row, in the order of PG_INSERT_SQL's arrays. */
const SALE_COLUMNS = [
  'id', 'tenant_id', 'site_id', 'network', 'kind', 'transaction_id', 'order_id', 'reverses_transaction_id', 'original_sale_id',
  'event_id', 'amount', 'amount_minor', 'currency', 'status', 'site_ref', 'occurred_at', 'day', 'created_at',
] as const;

/**
 * PostgreSQL: a batch of sales rows in one statement whose text does not
 * depend on the batch size (one array per column), so it is parsed and
 * planned once per connection; a multi-row VALUES list was parsed and planned
 * anew for every relay batch.
 */
const PG_INSERT_SQL = `insert into sales (${SALE_COLUMNS.join(', ')})
  select * from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
    ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::text[], ?::timestamptz[])
  on conflict (tenant_id, network, kind, transaction_id) do nothing
  returning id`;

/**
 * PostgreSQL: unlinked refunds/chargebacks waiting for any of the given
 * transaction ids (t) or order ids (o). Short text whatever the batch size;
 * planned per call, not cached, so its plan follows the table's growth.
 */
const PG_WAITING_SQL = `select reverses_transaction_id as t, null as o from sales
    where tenant_id = ? and network = ? and kind in ('refund', 'chargeback') and original_sale_id is null and reverses_transaction_id = any(?::text[])
  union all
  select null as t, order_id as o from sales
    where tenant_id = ? and network = ? and kind in ('refund', 'chargeback') and original_sale_id is null and order_id = any(?::text[])`;

export class SalesStore {
  constructor(private readonly db: Db) {}

  /** Records one ledger entry; `created` is false when this transaction was recorded before. */
  async record(tenantId: string, network: string, eventId: string, entry: LedgerEntry): Promise<{ sale: Sale; created: boolean }> {
    return this.db.transaction(async (tx) => {
      const row = ledgerRow(tenantId, network, eventId, entry, await resolveSite(tx, tenantId, entry.siteRef));
      const inserted = await tx('sales').insert(row).onConflict(['tenant_id', 'network', 'kind', 'transaction_id']).ignore().returning('id');
      if (inserted.length === 0) {
        const existing = await tx('sales').where({ tenant_id: tenantId, network, kind: entry.kind, transaction_id: row.transaction_id }).first();
        return { sale: toSale(existing), created: false };
      }
      const linked = isReversal(entry.kind) ? await this.linkReversal(tx, row) : entry.kind === 'sale' || entry.kind === 'rebill' ? await this.linkWaitingReversal(tx, row) : false;
      return { sale: toSale(linked ? await tx('sales').where({ id: row.id }).first() : row), created: true };
    });
  }

  /**
   * Records a batch of ledger entries in one transaction (the relay's path):
   * one multi-row insert, reversals linked first, then sales that reversals
   * in the ledger were waiting for. The outcome per entry is the same as
   * calling `record` for each in order, except that each returned sale is the
   * row as it stands after the whole batch (a sale refunded later in the same
   * batch is reported refunded); the point is one commit (one fsync
   * on SQLite) and a handful of statements per batch instead of five per entry.
   */
  async recordMany(items: Array<{ tenantId: string; network: string; eventId: string; entry: LedgerEntry }>): Promise<Array<{ sale: Sale; created: boolean }>> {
    if (items.length === 0) return [];
    return this.db.transaction(async (tx) => {
      const sites = new Map<string, Promise<string | null>>();
      const siteOf = (tenantId: string, ref: string | undefined) => {
        const key = `${tenantId}\u0001${ref ?? ''}`;
        let hit = sites.get(key);
        if (!hit) sites.set(key, (hit = resolveSite(tx, tenantId, ref)));
        return hit;
      };
      const rows: Array<Record<string, any>> = [];
      for (const { tenantId, network, eventId, entry } of items) {
        rows.push(ledgerRow(tenantId, network, eventId, entry, await siteOf(tenantId, entry.siteRef)));
      }
      // Within the batch the first entry of a transaction wins, as in sequential `record` calls.
      const keyOf = (r: Record<string, any>) => `${r.tenant_id}\u0001${r.network}\u0001${r.kind}\u0001${r.transaction_id}`;
      const firstByKey = new Map<string, Record<string, any>>();
      for (const r of rows) if (!firstByKey.has(keyOf(r))) firstByKey.set(keyOf(r), r);
      const candidates = [...firstByKey.values()];
      const inserted = new Set<string>();
      if (isPostgres(tx)) {
        const column = (c: string) => candidates.map((r) => r[c]);
        const returned = (await prepared(tx, 'webhooks_sales_insert', PG_INSERT_SQL, SALE_COLUMNS.map(column))).rows as Array<{ id: string }>;
        for (const r of returned) inserted.add(r.id);
      } else {
        for (let i = 0; i < candidates.length; i += 200) {
          const returned = await tx('sales').insert(candidates.slice(i, i + 200)).onConflict(['tenant_id', 'network', 'kind', 'transaction_id']).ignore().returning('id');
          for (const r of returned as Array<{ id: string } | string>) inserted.add(typeof r === 'string' ? r : r.id);
        }
      }
      const created = candidates.filter((r) => inserted.has(r.id));
      let linked = false;
      for (const r of created) if (isReversal(r.kind)) linked = (await this.linkReversal(tx, r)) || linked;
      const sales = created.filter((r) => r.kind === 'sale' || r.kind === 'rebill');
      const waiting = await this.waitingReversals(tx, sales);
      for (const r of sales) {
        if (!waiting.has(`${r.tenant_id}\u0001${r.network}\u0001t\u0001${r.transaction_id}`) && !(r.order_id && waiting.has(`${r.tenant_id}\u0001${r.network}\u0001o\u0001${r.order_id}`))) continue;
        linked = (await this.linkWaitingReversal(tx, r)) || linked;
      }

      // Current state of every row concerned: re-read when links changed rows, and for transactions recorded before.
      const stored = new Map<string, Record<string, any>>();
      if (!linked) for (const r of created) stored.set(keyOf(r), r);
      const missing = candidates.filter((r) => !stored.has(keyOf(r)));
      for (let i = 0; i < missing.length; i += 100) {
        const found = await tx('sales').where((q) => {
          for (const m of missing.slice(i, i + 100)) q.orWhere({ tenant_id: m.tenant_id, network: m.network, kind: m.kind, transaction_id: m.transaction_id });
        });
        for (const f of found) stored.set(keyOf(f), f);
      }
      return rows.map((r) => {
        const row = stored.get(keyOf(r));
        if (!row) throw new Error(`sale ${r.transaction_id} neither inserted nor found`);
        return { sale: toSale(row), created: row.id === r.id };
      });
    });
  }

  private async linkReversal(tx: DbOrTx, reversal: Record<string, any>): Promise<boolean> {
    const base = () => tx('sales').where({ tenant_id: reversal.tenant_id, network: reversal.network }).whereIn('kind', ['sale', 'rebill']);
    let original = reversal.reverses_transaction_id
      ? await base().andWhere({ transaction_id: reversal.reverses_transaction_id }).first()
      : undefined;
    if (!original && reversal.order_id) {
      original = await base().andWhere({ order_id: reversal.order_id, status: 'recorded' }).orderBy('occurred_at', 'desc').first();
    }
    if (original) await this.applyReversal(tx, original, reversal);
    return Boolean(original);
  }

  /**
   * Keys (`tenant, network, t|o, transaction or order id`) that unlinked
   * refunds/chargebacks are waiting for, among the given sales: two indexed
   * lookups per tenant and network instead of one query per sale. Usually
   * empty, so most sales need no further query.
   */
  private async waitingReversals(tx: DbOrTx, sales: Array<Record<string, any>>): Promise<Set<string>> {
    const keys = new Set<string>();
    const groups = new Map<string, Array<Record<string, any>>>();
    for (const r of sales) {
      const g = `${r.tenant_id}\u0001${r.network}`;
      groups.set(g, [...(groups.get(g) ?? []), r]);
    }
    for (const [g, rows] of groups) {
      const { tenant_id: tenantId, network } = rows[0];
      for (let i = 0; i < rows.length; i += 500) {
        const chunk = rows.slice(i, i + 500);
        const orders = chunk.map((r) => r.order_id).filter(Boolean);
        const transactions = chunk.map((r) => r.transaction_id);
        if (isPostgres(tx)) {
          const rows = (await tx.raw(PG_WAITING_SQL, [tenantId, network, transactions, tenantId, network, orders])).rows as Array<{ t: string | null; o: string | null }>;
          for (const w of rows) keys.add(w.t !== null ? `${g}\u0001t\u0001${w.t}` : `${g}\u0001o\u0001${w.o}`);
          continue;
        }
        const base = () => tx('sales').where({ tenant_id: tenantId, network }).whereIn('kind', ['refund', 'chargeback']).whereNull('original_sale_id');
        for (const w of await base().select('reverses_transaction_id').whereIn('reverses_transaction_id', transactions)) keys.add(`${g}\u0001t\u0001${w.reverses_transaction_id}`);
        if (orders.length > 0) for (const w of await base().select('order_id').whereIn('order_id', orders)) keys.add(`${g}\u0001o\u0001${w.order_id}`);
      }
    }
    return keys;
  }

  private async linkWaitingReversal(tx: DbOrTx, sale: Record<string, any>): Promise<boolean> {
    // Two equality lookups rather than one OR, so each uses its index whatever the table statistics say.
    const base = () => tx('sales')
      .where({ tenant_id: sale.tenant_id, network: sale.network })
      .whereIn('kind', ['refund', 'chargeback'])
      .whereNull('original_sale_id')
      .orderBy([{ column: 'occurred_at' }, { column: 'id' }])
      .first();
    const candidates = [await base().andWhere({ reverses_transaction_id: sale.transaction_id })];
    if (sale.order_id) candidates.push(await base().andWhere({ order_id: sale.order_id }));
    const waiting = candidates.filter(Boolean).sort((a, b) => (toIso(a.occurred_at)! < toIso(b.occurred_at)! ? -1 : toIso(a.occurred_at)! > toIso(b.occurred_at)! ? 1 : 0))[0];
    if (waiting) await this.applyReversal(tx, sale, waiting);
    return Boolean(waiting);
  }

  /** Marks the sale reversed; the reversal inherits the sale's site and, when it carried none, its amount. */
  private async applyReversal(tx: DbOrTx, sale: Record<string, any>, reversal: Record<string, any>): Promise<void> {
    await tx('sales').where({ id: sale.id }).update({ status: reversal.kind === 'refund' ? 'refunded' : 'charged_back' });
    const changes: Record<string, unknown> = { original_sale_id: sale.id };
    if (!reversal.site_id && sale.site_id) changes.site_id = sale.site_id;
    if (Number(reversal.amount_minor) === 0) changes.amount_minor = -Math.abs(Number(sale.amount_minor));
    await tx('sales').where({ id: reversal.id }).update(changes);
  }

  async list(tenantId: string, f: { siteId?: string; network?: string; kind?: string; from?: string; to?: string; limit: number; offset: number }): Promise<{ items: Sale[]; total: number }> {
    const q = this.db('sales').where({ tenant_id: tenantId });
    if (f.siteId) q.andWhere({ site_id: f.siteId });
    if (f.network) q.andWhere({ network: f.network });
    if (f.kind) q.andWhere({ kind: f.kind });
    if (f.from) q.andWhere('occurred_at', '>=', new Date(f.from));
    if (f.to) q.andWhere('occurred_at', '<', new Date(f.to));
    const [rows, [{ count }]] = await Promise.all([
      q.clone().orderBy([{ column: 'occurred_at', order: 'desc' }, { column: 'id' }]).limit(f.limit).offset(f.offset),
      q.clone().count({ count: '*' }),
    ]);
    return { items: rows.map(toSale), total: Number(count) };
  }

  async forEvent(tenantId: string, eventId: string): Promise<Sale[]> {
    return (await this.db('sales').where({ tenant_id: tenantId, event_id: eventId })).map(toSale);
  }

  /** Revenue of one site per day, network and currency: gross, reversed and net. */
  async revenue(tenantId: string, siteId: string, from: string, to: string) {
    const rows = await this.db('sales')
      .select('day', 'network', 'currency')
      .sum({ gross: this.db.raw('case when amount_minor > 0 then amount_minor else 0 end') })
      .sum({ reversed: this.db.raw('case when amount_minor < 0 then -amount_minor else 0 end') })
      .sum({ net: 'amount_minor' })
      .count({ transactions: '*' })
      .where({ tenant_id: tenantId, site_id: siteId })
      .andWhere('day', '>=', from)
      .andWhere('day', '<=', to)
      .groupBy('day', 'network', 'currency')
      .orderBy([{ column: 'day' }, { column: 'network' }, { column: 'currency' }]);
    const list = rows as Array<Record<string, any>>;
    const days = list.map((r) => ({
      day: r.day, network: r.network, currency: r.currency,
      gross: fromMinor(Number(r.gross), r.currency), reversed: fromMinor(Number(r.reversed), r.currency), net: fromMinor(Number(r.net), r.currency),
      transactions: Number(r.transactions),
    }));
    const totals = new Map<string, number>();
    for (const r of list) totals.set(r.currency, (totals.get(r.currency) ?? 0) + Number(r.net));
    return { days, totals: [...totals].map(([currency, net]) => ({ currency, net: fromMinor(net, currency) })) };
  }
}
