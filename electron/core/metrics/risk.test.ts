import { describe, expect, it } from 'vitest';
import { emptyRisk, foldRiskPoint, riskFigures } from './risk.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1);

describe('risk figures from PnL history', () => {
  it('max drawdown is the largest fall from a previous peak, in quote and as a share of equity at the peak', () => {
    const r = emptyRisk();
    for (const [i, pnl] of [0, 50, 100, 40, 80, 120, 90].entries()) foldRiskPoint(r, { ts: T0 + i * 60_000, totalPnl: pnl, capital: 1000 });
    const f = riskFigures(r, null);
    expect(f.maxDrawdown).toBeCloseTo(60, 10); // 100 → 40
    expect(f.maxDrawdownPct).toBeCloseTo(60 / 1100, 8);
  });

  it('time-weighted return ignores capital moved in or out', () => {
    const r = emptyRisk();
    foldRiskPoint(r, { ts: T0, totalPnl: 0, capital: 1000 });
    foldRiskPoint(r, { ts: T0 + 1, totalPnl: 100, capital: 1000 }); // +10 %
    foldRiskPoint(r, { ts: T0 + 2, totalPnl: 100, capital: 9000 }); // rebalance adds 8000: no return
    foldRiskPoint(r, { ts: T0 + 3, totalPnl: 1010, capital: 9000 }); // +910 on 9100 = +10 %
    expect(riskFigures(r, null).timeWeightedReturn).toBeCloseTo(1.1 * 1.1 - 1, 10);
  });

  it('Sharpe is null under two days and annualised daily otherwise', () => {
    const r = emptyRisk();
    foldRiskPoint(r, { ts: T0, totalPnl: 0, capital: 1000 });
    foldRiskPoint(r, { ts: T0 + DAY / 2, totalPnl: 10, capital: 1000 });
    expect(riskFigures(r, null).sharpe).toBeNull();
    const pnl = [0, 10, 15, 30, 28, 45];
    const r2 = emptyRisk();
    for (const [d, p] of pnl.entries()) foldRiskPoint(r2, { ts: T0 + d * DAY + 1000, totalPnl: p, capital: 1000 });
    // daily returns from each day's close to the next
    const rets = pnl.slice(1).map((p, i) => (p - (pnl[i] ?? 0)) / (1000 + (pnl[i] ?? 0)));
    // one return per day change, from the previous day's last point to the new day's first
    const done = rets;
    const mean = done.reduce((a, b) => a + b, 0) / done.length;
    const sd = Math.sqrt(done.reduce((a, b) => a + (b - mean) ** 2, 0) / (done.length - 1));
    expect(riskFigures(r2, null).sharpe).toBeCloseTo((mean / sd) * Math.sqrt(365), 4);
  });

  it('a live point counts without being stored', () => {
    const r = emptyRisk();
    foldRiskPoint(r, { ts: T0, totalPnl: 0, capital: 1000 });
    expect(riskFigures(r, { ts: T0 + 5, totalPnl: -30, capital: 1000 }).maxDrawdown).toBe(30);
    expect(riskFigures(r, null).maxDrawdown).toBe(0);
  });

  it("today's PnL is the change since 00:00 UTC: the last point before midnight is the base", () => {
    const r = emptyRisk();
    foldRiskPoint(r, { ts: T0 + DAY - 60_000, totalPnl: 40, capital: 1000 }); // 23:59 the day before
    foldRiskPoint(r, { ts: T0 + DAY + 3_600_000, totalPnl: 55, capital: 1000 }); // 01:00
    expect(riskFigures(r, { ts: T0 + DAY + 7_200_000, totalPnl: 52, capital: 1000 }).todayPnl).toBeCloseTo(12, 10);
    // a live point already on the next day measures from the last stored point
    expect(riskFigures(r, { ts: T0 + 2 * DAY + 60_000, totalPnl: 60, capital: 1000 }).todayPnl).toBeCloseTo(5, 10);
  });
});
