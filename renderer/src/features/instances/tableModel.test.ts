import { describe, expect, it } from 'vitest';
import { mergeSnapshot } from '../../bridge.ts';
import { initialSnapshotSlice } from '../../store/snapshotSlice.ts';
import { defaultPrefs, parsePrefs, type Prefs } from '../../store/prefsSlice.ts';
import {
  rowSlots,
  rowsStaying,
  stableOrder,
  drawdownSeries,
  portfolioSums,
  rowHeight,
  sharedPortfolioSums,
  rowOffset,
  sharedTableKeys,
  tableKeys,
  windowRows,
} from './tableModel.ts';
import { makeHealth, makeInstance, makeMetrics, makeSnapshot, makeStrategy } from '../../testFixtures.ts';
import { visibleRange } from '../../components/VirtualRows.tsx';
import { sparkPath } from '../../components/Sparkline.tsx';
import { toChartSeries } from '../detail/EquityChart.tsx';

const strategies = [
  makeStrategy('mm-b', { metrics: makeMetrics({ totalPnl: 5, fees: 2 }), allocation: 3000 }),
  makeStrategy('arb', { type: 'funding_rate', metrics: makeMetrics({ totalPnl: -1, funding: 4 }), status: 'paused' }),
  makeStrategy('mm-a', { metrics: makeMetrics({ totalPnl: 9, fees: 1 }), health: makeHealth({ state: 'error' }) }),
  makeStrategy('mm-p', { mode: 'paper', metrics: makeMetrics({ totalPnl: 100 }) }),
];
const source = mergeSnapshot(initialSnapshotSlice(), {
  ...makeSnapshot(1, strategies),
  instances: strategies.map((s) => makeInstance(s.id, s.id === 'arb' ? { symbols: ['BTC/USDT', 'BTC/USDT:USDT'] } : {})),
});
const prefs = (over: Partial<Prefs> = {}): Prefs => ({ ...defaultPrefs(), ...over });

describe('tableKeys', () => {
  it('is shared per store state and prefs; a changed strategy or sort computes it again', () => {
    const sorted = prefs({ sort: { key: 'total', dir: 'desc' } });
    const keys = sharedTableKeys(source, sorted);
    expect(keys).toEqual(tableKeys(source, sorted));
    expect(sharedTableKeys({ ...source }, sorted)).toBe(keys);
    const bigger = {
      ...source,
      strategiesById: { ...source.strategiesById, 'mm-p': makeStrategy('mm-p', { metrics: makeMetrics({ totalPnl: -500 }) }) },
    };
    expect(sharedTableKeys(bigger, sorted)).toEqual(tableKeys(bigger, sorted));
    expect(sharedTableKeys(bigger, sorted).indexOf('mm-p')).toBeGreaterThan(keys.indexOf('mm-p'));
    expect(sharedTableKeys(bigger, prefs())).toEqual(tableKeys(bigger, prefs()));
  });

  it('groups by type in model order with a subtotal each, host order inside when unsorted', () => {
    expect(tableKeys(source, prefs())).toEqual([
      'group:fixed_spread',
      'mm-b',
      'mm-a',
      'mm-p',
      'subtotal:fixed_spread',
      'other:fixed_spread', // mm-p is paper: its money gets its own line
      'group:funding_rate',
      'arb',
      'subtotal:funding_rate',
    ]);
  });

  it('sorts inside each group by the displayed value; fees sort as their effect on PnL', () => {
    expect(tableKeys(source, prefs({ sort: { key: 'total', dir: 'desc' } })).slice(1, 4)).toEqual(['mm-p', 'mm-a', 'mm-b']);
    expect(tableKeys(source, prefs({ sort: { key: 'fees', dir: 'desc' } })).slice(1, 4)).toEqual(['mm-a', 'mm-p', 'mm-b']);
    expect(tableKeys(source, prefs({ sort: { key: 'id', dir: 'asc' } })).slice(1, 4)).toEqual(['mm-a', 'mm-b', 'mm-p']);
    expect(tableKeys(source, prefs({ sort: { key: 'health', dir: 'desc' } }))[1]).toBe('mm-a');
  });

  it('filters by words over id, account, type and symbols, and by chips; empty groups vanish', () => {
    const f = (text: string, statuses: Prefs['filter']['statuses'] = [], health: Prefs['filter']['health'] = []) =>
      tableKeys(source, prefs({ filter: { text, statuses, health } }));
    expect(f('usdt:usdt')).toEqual(['group:funding_rate', 'arb', 'subtotal:funding_rate']);
    expect(f('arbitrage')).toContain('arb');
    expect(f('mm paper')).toEqual(['group:fixed_spread', 'mm-p', 'subtotal:fixed_spread', 'other:fixed_spread']);
    expect(f('', ['paused'])).toEqual(['group:funding_rate', 'arb', 'subtotal:funding_rate']);
    expect(f('', [], ['error', 'stale'])).toEqual(['group:fixed_spread', 'mm-a', 'subtotal:fixed_spread', 'other:fixed_spread']);
    expect(f('nothing-matches')).toEqual([]);
  });
});

describe('portfolioSums', () => {
  it('keeps paper and observe out of the live sums, and counts status and health', () => {
    const sums = portfolioSums(source.strategyIds, source.strategiesById);
    expect(sums.live.count).toBe(3);
    expect(sums.live.totalPnl).toBe(13);
    expect(sums.live.equity).toBe(3000 + 1000 + 1000 + 13);
    expect(sums.paper.totalPnl).toBe(100);
    expect(sums.observe.count).toBe(0);
    expect(sums.status).toEqual({ live: 3, paused: 1, stopped: 0 });
    expect(sums.health).toEqual({ ok: 3, stale: 0, error: 1 });
    expect(sums.live.hasFunding).toBe(true);
    expect(portfolioSums(['mm-b'], source.strategiesById).live.hasFunding).toBe(false);
  });

  it('sums one type for a subtotal', () => {
    expect(portfolioSums(source.strategyIds, source.strategiesById, 'funding_rate').live.funding).toBe(4);
  });

  it('is shared per store state: asked again it answers the same sums, a changed strategy or list recomputes', () => {
    const { strategyIds: ids, strategiesById: byId } = source;
    const all = sharedPortfolioSums(ids, byId);
    expect(sharedPortfolioSums(ids, byId)).toBe(all);
    expect(sharedPortfolioSums(ids, byId, 'funding_rate')).toEqual(portfolioSums(ids, byId, 'funding_rate'));
    expect(sharedPortfolioSums(ids, byId)).toBe(all);
    const changed = { ...byId, 'mm-b': makeStrategy('mm-b', { metrics: makeMetrics({ totalPnl: 1000 }) }) };
    expect(sharedPortfolioSums(ids, changed)).toEqual(portfolioSums(ids, changed));
    expect(sharedPortfolioSums(ids, changed).live.totalPnl).not.toBe(all.live.totalPnl);
    expect(sharedPortfolioSums(['mm-b'], byId).live.count).toBe(portfolioSums(['mm-b'], byId).live.count);
  });
});

describe('prefs', () => {
  it('survive a round trip and reject whatever is not valid, field by field', () => {
    const p = prefs({ sort: { key: 'total', dir: 'desc' }, theme: 'dark', panelWidth: 900, drawdownAlertPct: 0.1, isNotifying: true });
    expect(parsePrefs(JSON.stringify(p))).toEqual(p);
    const bad = parsePrefs(
      JSON.stringify({
        sort: { key: 'nope', dir: 'desc' },
        theme: 'pink',
        panelWidth: 99999,
        drawdownAlertPct: 5,
        filter: { text: 3, statuses: ['live', 'x'] },
      }),
    );
    expect(bad.sort).toBeNull();
    expect(bad.theme).toBe('system');
    expect(bad.panelWidth).toBe(1200);
    expect(bad.drawdownAlertPct).toBe(0.05);
    expect(bad.filter).toEqual({ text: '', statuses: ['live'], health: [] });
    expect(parsePrefs('{not json')).toEqual(defaultPrefs());
  });
});

describe('windowRows', () => {
  const keys = ['group:fixed_spread', ...Array.from({ length: 200 }, (_, i) => `s${i}`), 'subtotal:fixed_spread'];
  it('renders the rows in view plus the overscan, with spacers standing in for the rest', () => {
    const w = windowRows(keys, 0, 600, 400);
    expect(w.start).toBe(0);
    expect(w.above).toBe(0);
    // 30 px group + 22 rows of 46 px reach past 1000 px.
    expect(w.end).toBe(23);
    const total = 30 + 200 * 46 + 30;
    expect(w.below).toBe(total - (30 + 22 * 46));
  });

  it('starts lower down after scrolling, and keeps above + rows + below equal to the full height', () => {
    const w = windowRows(keys, 46 * 100, 600, 400);
    expect(w.start).toBeGreaterThan(80);
    const rendered = keys.slice(w.start, w.end).reduce((sum, k) => sum + rowHeight(k), 0);
    expect(w.above + rendered + w.below).toBe(30 + 200 * 46 + 30);
    expect(rowOffset(keys, 1)).toBe(30);
  });
});

describe('small pure helpers', () => {
  it('visibleRange windows thousands of rows to the viewport plus overscan', () => {
    expect(visibleRange(5000, 24, 288, 0)).toEqual({ start: 0, end: 20 });
    expect(visibleRange(5000, 24, 288, 24 * 1000)).toEqual({ start: 992, end: 1020 });
    expect(visibleRange(5000, 24, 288, 24 * 5000)).toEqual({ start: 4992, end: 5000 });
    expect(visibleRange(0, 24, 288, 0)).toEqual({ start: 0, end: 0 });
  });

  it('drawdownSeries is equity below its running peak', () => {
    const dd = drawdownSeries([
      { t: 1, equity: 100 },
      { t: 2, equity: 110 },
      { t: 3, equity: 104 },
      { t: 4, equity: 111 },
    ]);
    expect(dd.map((p) => p.value)).toEqual([0, 0, -6, 0]);
  });

  it('toChartSeries gives whole, strictly increasing seconds (last sample in a second wins)', () => {
    expect(
      toChartSeries([
        { t: 1000, value: 1 },
        { t: 1500, value: 2 },
        { t: 900, value: 9 },
        { t: 3000, value: 3 },
        { t: 4000, value: NaN },
      ]),
    ).toEqual([
      { time: 1, value: 2 },
      { time: 3, value: 3 },
    ]);
  });

  it('sparkPath scales time and value into the box (tenths of a pixel); a flat line sits mid-height', () => {
    expect(sparkPath([{ t: 0, v: 0 }])).toBe('');
    expect(
      sparkPath(
        [
          { t: 0, v: 0 },
          { t: 10, v: 1 },
        ],
        12,
        10,
      ),
    ).toBe('10,80 110,20');
    expect(
      sparkPath(
        [
          { t: 0, v: 5 },
          { t: 10, v: 5 },
        ],
        12,
        10,
      ),
    ).toBe('10,50 110,50');
  });

  it('sparkPath draws at most four points per pixel column and keeps the ends and the extremes', () => {
    // 480 points (SPARK_MAX_POINTS) into the table's 68 px: one spike up, one down, the rest a slow wave.
    const points = Array.from({ length: 480 }, (_, k) => ({ t: k * 2000, v: k === 100 ? 50 : k === 300 ? -50 : Math.sin(k / 40) }));
    const drawn = sparkPath(points)
      .split(' ')
      .map((xy) => xy.split(',').map(Number) as [number, number]);
    expect(drawn.length).toBeLessThanOrEqual(66 * 4);
    expect(drawn[0]).toEqual([10, 120]); // v = 0, half-way between −50 and +50
    expect(drawn.at(-1)?.[0]).toBe(670);
    expect(Math.min(...drawn.map(([, y]) => y))).toBe(20); // the spike up reaches the top
    expect(Math.max(...drawn.map(([, y]) => y))).toBe(220); // and the one down the bottom
    const xs = drawn.map(([x]) => x);
    expect(xs).toEqual([...xs].sort((a, b) => a - b)); // still in time order
  });
});

describe('rowSlots (which row each strategy in the window gets)', () => {
  it('keeps a strategy in its row while it stays in the window, whatever the order', () => {
    const first = rowSlots(new Map(), ['a', 'b', 'c']);
    expect(new Set(first.values()).size).toBe(3);
    const resorted = rowSlots(first, ['c', 'a', 'b']);
    for (const id of ['a', 'b', 'c']) expect(resorted.get(id)).toBe(first.get(id));
  });

  it('gives a strategy that enters the row of one that left, and never one row to two strategies', () => {
    const first = rowSlots(new Map(), ['a', 'b', 'c']);
    const next = rowSlots(first, ['d', 'a', 'c']);
    expect(next.get('a')).toBe(first.get('a'));
    expect(next.get('c')).toBe(first.get('c'));
    expect(next.get('d')).toBe(first.get('b'));
    expect(next.has('b')).toBe(false);
    expect(new Set(next.values()).size).toBe(3);
  });

  it('adds rows only when the window grows, and is the same however often it is asked', () => {
    const first = rowSlots(new Map(), ['a', 'b']);
    const grown = rowSlots(first, ['c', 'a', 'b', 'd']);
    expect(new Set(grown.values()).size).toBe(4);
    expect([...grown.values()].filter((slot) => ![...first.values()].includes(slot))).toHaveLength(2);
    expect(rowSlots(first, ['c', 'a', 'b', 'd'])).toEqual(grown);
    const shrunk = rowSlots(grown, ['d']);
    expect(shrunk.get('d')).toBe(grown.get('d'));
    expect(shrunk.size).toBe(1);
  });
});

describe('rowsStaying (the rows a re-sort leaves where they are)', () => {
  /** Applies the plan the way the table does: from the end, every row not staying goes before the next one. */
  function reorder(current: readonly string[], desired: readonly string[]): { result: string[]; moves: number } {
    const dom = [...current];
    const stays = rowsStaying(desired.map((key) => dom.indexOf(key)));
    let moves = 0;
    let next: string | null = null;
    for (let i = desired.length - 1; i >= 0; i--) {
      const key = desired[i] as string;
      if (!stays[i]) {
        dom.splice(dom.indexOf(key), 1);
        dom.splice(next === null ? dom.length : dom.indexOf(next), 0, key);
        moves++;
      }
      next = key;
    }
    return { result: dom, moves };
  }

  it('moves one row when one row jumps to the top (React moved all the others)', () => {
    const rows = ['a', 'b', 'c', 'd', 'e', 'f'];
    const { result, moves } = reorder(rows, ['f', 'a', 'b', 'c', 'd', 'e']);
    expect(result).toEqual(['f', 'a', 'b', 'c', 'd', 'e']);
    expect(moves).toBe(1);
  });

  it('moves nothing when the order is unchanged, and n - 1 rows when it is reversed', () => {
    expect(reorder(['a', 'b', 'c'], ['a', 'b', 'c']).moves).toBe(0);
    const reversed = reorder(['a', 'b', 'c', 'd'], ['d', 'c', 'b', 'a']);
    expect(reversed.result).toEqual(['d', 'c', 'b', 'a']);
    expect(reversed.moves).toBe(3);
  });

  it('puts any shuffle in order with the fewest moves (n minus the longest run already in order)', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (let round = 0; round < 200; round++) {
      const n = 1 + Math.floor(random() * 30);
      const current = Array.from({ length: n }, (_, i) => `r${i}`);
      const desired = [...current].sort(() => random() - 0.5);
      const { result, moves } = reorder(current, desired);
      expect(result).toEqual(desired);
      // The longest increasing run, by brute force (O(n²)), for the minimum.
      const positions = desired.map((key) => current.indexOf(key));
      const best = positions.map(() => 1);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < i; j++)
          if ((positions[j] as number) < (positions[i] as number)) best[i] = Math.max(best[i] as number, (best[j] as number) + 1);
      expect(moves).toBe(n - Math.max(...best));
    }
  });
});

describe('stableOrder (the order React renders the window in)', () => {
  it('is the window order at first, then keeps the rows it had in their order and adds new ones after them', () => {
    expect(stableOrder([], ['group:a', 's1', 's2', 'subtotal:a'])).toEqual(['group:a', 's1', 's2', 'subtotal:a']);
    // A re-sort of the same rows: React's order does not change, so React moves nothing.
    expect(stableOrder(['group:a', 's1', 's2', 'subtotal:a'], ['group:a', 's2', 's1', 'subtotal:a'])).toEqual([
      'group:a',
      's1',
      's2',
      'subtotal:a',
    ]);
    // Scrolled: rows that left are dropped, rows that came are added in the window's order.
    expect(stableOrder(['group:a', 's1', 's2'], ['s3', 's2', 'subtotal:a'])).toEqual(['s2', 's3', 'subtotal:a']);
  });
});
