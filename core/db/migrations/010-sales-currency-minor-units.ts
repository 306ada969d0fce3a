/**
 * sales.amount_minor in each currency's own minor unit.
 *
 * Until now every amount was stored as hundredths, whatever its currency, so
 * a JPY 1000 sale was 100000 and a KWD 1.234 sale 123. The ledger now uses
 * the currency's digits (core/money.ts); this rescales the rows
 * of currencies whose digits are not 2: JPY 100000 → 1000 (rounded half away
 * from zero), KWD 123 → 1230 (the third decimal, dropped when stored, stays
 * lost). Down scales back.
 */
import type { Knex } from 'knex';
import { currencyDigits } from '../../money.js';

async function rescale(knex: Knex, toDigits: (digits: number) => number, fromDigits: (digits: number) => number): Promise<void> {
  const rows = (await knex('sales').distinct('currency')) as Array<{ currency: string }>;
  const integer = knex.client.config.client === 'pg' ? 'bigint' : 'integer';
  for (const { currency } of rows) {
    const digits = currencyDigits(currency);
    const shift = toDigits(digits) - fromDigits(digits);
    if (shift === 0) continue;
    const factor = 10 ** Math.abs(shift);
    const expression = shift > 0 ? `amount_minor * ${factor}` : `cast(round(amount_minor / ${factor}.0) as ${integer})`;
    await knex('sales').where({ currency }).update({ amount_minor: knex.raw(expression) });
  }
}

export async function up(knex: Knex): Promise<void> {
  await rescale(knex, (digits) => digits, () => 2);
}

export async function down(knex: Knex): Promise<void> {
  await rescale(knex, () => 2, (digits) => digits);
}
