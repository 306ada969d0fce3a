/**
 * Decimal strings ↔ integer minor units, without floating point. Amounts are
 * treated as having two decimals (EUR, USD, GBP…); a third decimal is rounded
 * half up. Zero-decimal currencies (JPY) would be off by 100: not yet needed.
 */
export function toMinor(amount: string): number {
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!m) return 0;
  const frac = (m[3] ?? '').padEnd(3, '0');
  let minor = Number(m[2]) * 100 + Number(frac.slice(0, 2));
  if (Number(frac[2]) >= 5) minor += 1;
  return m[1] ? -minor : minor;
}

export function fromMinor(minor: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(Math.round(minor));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
