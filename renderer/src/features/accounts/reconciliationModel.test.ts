import { describe, expect, it } from 'vitest';
import type { Reconciliation } from '../../../../shared/model.ts';
import { driftAlert, drifts, parseThreshold, verdict } from './reconciliationModel.ts';

const base: Reconciliation = {
  account: 'sim',
  asOf: '2026-12-04T16:00:00.000Z',
  ok: true,
  assets: [{ asset: 'USDT', exchange: 100_000, accounted: 99_000, explained: 1000, difference: 0 }],
  positions: [{ symbol: 'BTC/USDT', exchange: 0, accounted: 0, difference: 0 }],
  unattributed: [],
  movements: [],
  notes: [],
};

describe('reconciliation view model', () => {
  it('a matched account has no drift and no alert, whatever the threshold', () => {
    expect(verdict(base)).toEqual({ isMatched: true, text: 'Matched' });
    expect(drifts(base)).toEqual([]);
    expect(driftAlert(base, 0)).toBeNull();
  });

  it('a manual trade alerts at any threshold; an asset difference only past it', () => {
    const drift: Reconciliation = {
      ...base,
      ok: false,
      assets: [{ asset: 'USDT', exchange: 99_000, accounted: 100_000, explained: 0, difference: -1000 }],
      positions: [{ symbol: 'BTC/USDT', exchange: 0.01, accounted: 0, difference: 0.01 }],
      unattributed: [{ id: '7', symbol: 'BTC/USDT', side: 'buy', amount: 0.01, price: 68_000, timestamp: 0 }],
    };
    expect(verdict(drift)).toEqual({ isMatched: false, text: '2 differences, 1 unattributed fill' });
    expect(driftAlert(drift, 0)).toBe('Drift on sim: USDT -1000, BTC/USDT +0.01 BTC, 1 fill no instance placed');
    expect(driftAlert(drift, 5000)).toBe('Drift on sim: 1 fill no instance placed');
    expect(driftAlert({ ...drift, unattributed: [] }, 5000)).toBeNull();
  });

  it('reads a threshold only when it is a non-negative number', () => {
    expect(parseThreshold('10')).toBe(10);
    expect(parseThreshold(' 0 ')).toBe(0);
    expect(parseThreshold('-1')).toBeNull();
    expect(parseThreshold('abc')).toBeNull();
    expect(parseThreshold('')).toBeNull();
  });
});
