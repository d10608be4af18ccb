import { describe, expect, it } from 'vitest';
import type { HostBudget } from '../../../../shared/model.ts';
import { budgetRows, windowText } from './budgetModel.ts';

const spot: HostBudget = {
  origin: 'https://api.binance.com',
  pool: 'api',
  used: 1234,
  limit: 6000,
  windowMs: 60_000,
  reserved: 1200,
  queued: 0,
  blockedUntil: null,
};
const now = Date.parse('2026-12-04T16:00:00.000Z');

describe('host budget view model', () => {
  it('shows weight used over the limit in the window, per host and pool, with the share kept for orders', () => {
    expect(budgetRows([spot], now)).toEqual([
      {
        key: 'https://api.binance.com|api',
        host: 'api.binance.com',
        pool: 'api',
        usedText: '1,234 / 6,000 a minute',
        share: 1234 / 6000,
        level: 'ok',
        note: '1,200 kept for orders and cancels',
      },
    ]);
  });

  it('is busy past half the limit, full once reads reach the reserve (they wait), and says what is waiting', () => {
    const [busy, full] = budgetRows(
      [
        { ...spot, used: 3000 },
        { ...spot, origin: 'https://fapi.binance.com', pool: 'fapi', used: 1920, limit: 2400, reserved: 480, queued: 12 },
      ],
      now,
    );
    expect(busy?.level).toBe('busy');
    expect(full).toMatchObject({ host: 'fapi.binance.com', level: 'full', usedText: '1,920 / 2,400 a minute' });
    expect(full?.note).toBe('12 waiting for the next window; 480 kept for orders and cancels');
  });

  it('a pause the exchange asked for (429/418) shows as full with the time left; one that ended does not', () => {
    const paused = budgetRows([{ ...spot, used: 10, blockedUntil: new Date(now + 90_500).toISOString() }], now)[0];
    expect(paused).toMatchObject({ level: 'full' });
    expect(paused?.note).toMatch(/^paused by the exchange for 91s more/);
    const over = budgetRows([{ ...spot, used: 10, blockedUntil: new Date(now - 1).toISOString() }], now)[0];
    expect(over?.level).toBe('ok');
  });

  it('no budget yet (nothing asked of any host) is an empty list; a request-count window reads as such', () => {
    expect(budgetRows(undefined, now)).toEqual([]);
    expect(windowText(5000)).toBe('per 5s');
    expect(windowText(120_000)).toBe('per 2 min');
  });
});
