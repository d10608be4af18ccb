import { describe, expect, it } from 'vitest';
import {
  MINUS,
  feesAsPnl,
  formatAge,
  formatCount,
  formatMoney,
  formatSignedMoney,
  formatTimestamp,
  formatWeight,
  moneyTone,
} from './format.ts';

describe('formatSignedMoney', () => {
  it('puts a plus on gains, a real minus on losses, and the unit on both', () => {
    expect(formatSignedMoney(12.34, 'USDT')).toBe('+12.34 USDT');
    expect(formatSignedMoney(-5, 'USDT')).toBe(`${MINUS}5.00 USDT`);
    expect(MINUS).toBe('\u2212');
  });

  it('shows zero without a sign, including negative zero', () => {
    expect(formatSignedMoney(0, 'USDT')).toBe('0.00 USDT');
    expect(formatSignedMoney(-0, 'USDT')).toBe('0.00 USDT');
  });

  it('rounds to two decimals and drops the sign of anything that rounds to zero', () => {
    expect(formatSignedMoney(1.236, 'USDT')).toBe('+1.24 USDT');
    expect(formatSignedMoney(-1.234, 'USDT')).toBe(`${MINUS}1.23 USDT`);
    expect(formatSignedMoney(0.004, 'USDT')).toBe('0.00 USDT');
    expect(formatSignedMoney(-0.004, 'USDT')).toBe('0.00 USDT');
    expect(formatSignedMoney(-0.005, 'USDT')).toBe(`${MINUS}0.01 USDT`);
    expect(formatSignedMoney(0.999, 'USDT')).toBe('+1.00 USDT');
  });

  it('groups thousands', () => {
    expect(formatSignedMoney(1234567.891, 'USD')).toBe('+1,234,567.89 USD');
    expect(formatSignedMoney(-1000, 'USD')).toBe(`${MINUS}1,000.00 USD`);
  });

  it('honours a custom number of decimals', () => {
    expect(formatSignedMoney(0.00123, 'BTC', { decimals: 5 })).toBe('+0.00123 BTC');
  });

  it('never prints NaN or Infinity', () => {
    expect(formatSignedMoney(Number.NaN, 'USDT')).toBe('\u2014 USDT');
    expect(formatSignedMoney(Number.POSITIVE_INFINITY, 'USDT')).toBe('\u2014 USDT');
  });
});

describe('formatMoney', () => {
  it('shows balances without a plus, but keeps the minus', () => {
    expect(formatMoney(1500, 'USDT')).toBe('1,500.00 USDT');
    expect(formatMoney(-3, 'USDT')).toBe(`${MINUS}3.00 USDT`);
    expect(formatMoney(-0.001, 'USDT')).toBe('0.00 USDT');
  });
});

describe('moneyTone', () => {
  it('follows the rounded figure', () => {
    expect(moneyTone(1)).toBe('pos');
    expect(moneyTone(-1)).toBe('neg');
    expect(moneyTone(0)).toBe('zero');
    expect(moneyTone(-0.001)).toBe('zero');
    expect(moneyTone(Number.NaN)).toBe('zero');
  });
});

describe('feesAsPnl', () => {
  it('turns fees paid into a loss and rebates into a gain', () => {
    expect(feesAsPnl(1.5)).toBe(-1.5);
    expect(feesAsPnl(-0.2)).toBe(0.2);
    expect(Object.is(feesAsPnl(0), 0)).toBe(true);
    expect(formatSignedMoney(feesAsPnl(1.5), 'USDT')).toBe(`${MINUS}1.50 USDT`);
  });
});

describe('small formatters', () => {
  it('formats counts with grouping', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(12345)).toBe('12,345');
  });

  it('formats weights as percentages and a missing target as a dash', () => {
    expect(formatWeight(0.5)).toBe('50.0%');
    expect(formatWeight(1 / 3)).toBe('33.3%');
    expect(formatWeight(null)).toBe('\u2014');
  });

  it('formats ages at a glance', () => {
    expect(formatAge(4_900)).toBe('4s ago');
    expect(formatAge(-2_000)).toBe('0s ago');
    expect(formatAge(125_000)).toBe('2m 05s ago');
    expect(formatAge(3 * 3_600_000 + 7 * 60_000)).toBe('3h 07m ago');
    expect(formatAge(53 * 3_600_000)).toBe('2d 5h ago');
  });

  it('formats timestamps in UTC and keeps unparsable ones as they came', () => {
    expect(formatTimestamp('2026-11-20T12:34:56.789Z')).toBe('2026-11-20 12:34:56 UTC');
    expect(formatTimestamp(null)).toBe('never');
    expect(formatTimestamp('yesterday')).toBe('yesterday');
  });
});
