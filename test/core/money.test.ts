import { expect } from 'chai';
import { currencyDigits, fromMinor, toMinor } from '../../core/money.js';

describe('money: decimal strings and minor units per currency', function () {
  it('knows the minor digits of a currency; unknown or malformed codes count as 2', function () {
    expect([currencyDigits('EUR'), currencyDigits('usd'), currencyDigits('JPY'), currencyDigits('KWD'), currencyDigits('CLP')]).to.deep.equal([2, 2, 0, 3, 0]);
    expect([currencyDigits('QQQ'), currencyDigits('EURO'), currencyDigits('1€'), currencyDigits('')]).to.deep.equal([2, 2, 2, 2]);
  });

  const cases: Array<[amount: string, currency: string, minor: number, back: string]> = [
    ['49.99', 'EUR', 4999, '49.99'],
    ['49.9', 'EUR', 4990, '49.90'],
    ['49', 'EUR', 4900, '49.00'],
    ['0.005', 'EUR', 1, '0.01'],
    ['0.004', 'EUR', 0, '0.00'],
    ['-3.50', 'USD', -350, '-3.50'],
    ['-0.001', 'USD', 0, '0.00'],
    ['1000', 'JPY', 1000, '1000'],
    ['1000.5', 'JPY', 1001, '1001'],
    ['-1999.49', 'JPY', -1999, '-1999'],
    ['1.234', 'KWD', 1234, '1.234'],
    ['1.2345', 'KWD', 1235, '1.235'],
    [' 7.10 ', 'GBP', 710, '7.10'],
    ['123456789012.34', 'EUR', 12345678901234, '123456789012.34'],
  ];
  for (const [amount, currency, minor, back] of cases) {
    it(`${JSON.stringify(amount)} ${currency} ↔ ${minor}`, function () {
      expect(toMinor(amount, currency)).to.equal(minor);
      expect(fromMinor(minor, currency)).to.equal(back);
    });
  }

  it('reads anything but a plain decimal string as 0', function () {
    for (const amount of ['', '1,000.00', '1.000,00', '1e3', '0x10', '12.', '.5', '--1', 'NaN', '1234567890123456']) {
      expect(toMinor(amount, 'EUR'), amount).to.equal(0);
    }
  });
});
