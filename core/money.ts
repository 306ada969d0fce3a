/**
 * Decimal strings ↔ integer minor units, without floating point. The number
 * of minor digits is the currency's own (EUR 2, JPY 0, KWD 3), as the ICU
 * data bundled with Node.js gives it (CLDR, which follows ISO 4217); an
 * unknown code counts as 2. Extra decimals are rounded half away from zero.
 * `amount_minor` of different currencies is never summed together (revenue
 * groups by currency), so each row is in its own currency's unit.
 */

const digitsCache = new Map<string, number>();
const CODE = /^[A-Z]{3}$/;

/** Minor-unit digits of an ISO 4217 currency code (2 when the code is unknown or malformed). */
export function currencyDigits(currency: string): number {
  const code = currency.trim().toUpperCase();
  if (!CODE.test(code)) return 2;
  let digits = digitsCache.get(code);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
    digitsCache.set(code, digits);
  }
  return digits;
}

const AMOUNT = /^(-)?(\d{1,15})(?:\.(\d+))?$/;

/** `"49.99"`, `"EUR"` → 4999; `"1000"`, `"JPY"` → 1000. Not a plain decimal string (e.g. `1,000.00`) → 0. */
export function toMinor(amount: string, currency: string): number {
  const m = AMOUNT.exec(amount.trim());
  if (!m) return 0;
  const digits = currencyDigits(currency);
  const frac = (m[3] ?? '').padEnd(digits + 1, '0');
  let minor = Number(m[2]) * 10 ** digits + (digits > 0 ? Number(frac.slice(0, digits)) : 0);
  if (Number(frac[digits]) >= 5) minor += 1;
  return m[1] && minor !== 0 ? -minor : minor;
}

/** 4999, `"EUR"` → `"49.99"`; 1000, `"JPY"` → `"1000"`. */
export function fromMinor(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(Math.round(minor));
  if (digits === 0) return `${sign}${abs}`;
  const unit = 10 ** digits;
  return `${sign}${Math.floor(abs / unit)}.${String(abs % unit).padStart(digits, '0')}`;
}
