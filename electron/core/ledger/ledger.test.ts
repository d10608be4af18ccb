import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import type { Fill } from '../exchange/types.ts';
import { compareFillOrder } from '../metrics/pnl.ts';
import { FOLD_PAGE, Ledger, SCHEMA_VERSION, type StoredFill } from './ledger.ts';
import { testFill } from './testing/fills.ts';

const path = () => join(mkdtempSync(join(tmpdir(), 'ledger-')), 'ledger.sqlite');
const fill = (id: string, ts: number, orderId: string | null = null): Fill => testFill(id, { timestamp: ts, orderId });
/** Another connection's view of the file: its data version changes with every commit the ledger makes. */
const dataVersion = (file: string) => {
  const other = new DatabaseSync(file);
  return () => (other.prepare('PRAGMA data_version').get() as { data_version: number }).data_version;
};

describe('ledger', () => {
  it('dedupes by (exchange, account, symbol, id) and moves the cursor with the write', () => {
    const file = path();
    const l = new Ledger(file);
    const cursor = { instanceId: 'a', endpoint: 'myTrades', symbol: 'BTC/USDT', since: 2000 };
    /** Instance a's fills on account x (fill `n` at n × 1000 ms), with its cursor moved to `since`. */
    const append = (ids: string[], since: number, at: number) =>
      l.appendFills(
        {
          exchange: 'binance',
          account: 'x',
          fills: ids.map((id) => ({ fill: fill(id, Number(id) * 1000), instanceId: 'a' })),
          cursor: { ...cursor, since },
        },
        at,
      );
    const first = append(['1', '2'], 2000, 1);
    expect(first.map((f) => f.id)).toEqual(['1', '2']);
    const again = append(['2', '3'], 3000, 2);
    expect(again.map((f) => f.id)).toEqual(['3']);
    // the same id on another account is another fill
    l.appendFills({ exchange: 'binance', account: 'y', fills: [{ fill: fill('1', 1000), instanceId: 'b' }], cursor: null }, 3);
    expect(l.countFills()).toBe(4);
    expect(l.cursor('a', 'myTrades', 'BTC/USDT')).toBe(3000);
    // a cursor never moves back
    l.appendFills({ exchange: 'binance', account: 'x', fills: [], cursor: { ...cursor, since: 10 } }, 4);
    expect(l.cursor('a', 'myTrades', 'BTC/USDT')).toBe(3000);
    // re-reading the overlap (only stored fills, the cursor where it is) commits nothing: another
    // connection sees no new data version, so a sync round without news costs no fsync
    const version = dataVersion(file);
    const before = version();
    expect(append(['2', '3'], 3000, 5)).toEqual([]);
    expect(version()).toBe(before);
    // a new fill among stored ones still commits, with the cursor
    expect(append(['3', '4'], 4000, 6).map((f) => f.id)).toEqual(['4']);
    expect(version()).not.toBe(before);
    expect(l.cursor('a', 'myTrades', 'BTC/USDT')).toBe(4000);
  });

  it('fillsVersion moves when a fill is added, by this connection or another (from the next turn), and only then', async () => {
    const file = path();
    const l = new Ledger(file);
    const batch = (ids: string[]) => ({
      exchange: 'binance',
      account: 'x',
      fills: ids.map((id) => ({ fill: fill(id, Number(id) * 1000), instanceId: 'a' })),
      cursor: null,
    });
    const start = l.fillsVersion();
    l.appendFills(batch(['1']), 1);
    const afterOwn = l.fillsVersion();
    expect(afterOwn).not.toBe(start);
    // the overlap re-read (only stored fills) adds nothing: the version stays, a fold has nothing to read
    l.appendFills(batch(['1']), 2);
    expect(l.fillsVersion()).toBe(afterOwn);
    // another connection's commit (a second process on the same data folder) moves it too
    const other = new Ledger(file);
    other.appendFills(batch(['2']), 3);
    expect(l.fillsVersion()).toBe(afterOwn); // this turn's pragma, read before the other's commit
    await new Promise((resolve) => setImmediate(resolve));
    expect(l.fillsVersion()).not.toBe(afterOwn);
    expect(l.fillsAfter('a', 0).map((f) => f.id)).toEqual(['1', '2']);
  });

  it('a failed write leaves neither the fills nor the cursor', () => {
    const l = new Ledger(path());
    const bad = { ...fill('9', 1000), side: 'sideways' as 'buy' };
    expect(() =>
      l.appendFills(
        {
          exchange: 'binance',
          account: 'x',
          fills: [
            { fill: fill('8', 900), instanceId: 'a' },
            { fill: bad, instanceId: 'a' },
          ],
          cursor: { instanceId: 'a', endpoint: 'myTrades', symbol: 'BTC/USDT', since: 1000 },
        },
        1,
      ),
    ).toThrow();
    expect(l.countFills()).toBe(0);
    expect(l.cursor('a', 'myTrades', 'BTC/USDT')).toBeNull();
  });

  it('the order journal claims fills that synced before it knew their order, per symbol', () => {
    const l = new Ledger(path());
    l.appendFills({ exchange: 'binance', account: 'x', fills: [{ fill: fill('1', 1000, '77'), instanceId: null }], cursor: null }, 1);
    expect(l.fillsFor('a')).toEqual([]);
    expect(l.journalOrder({ exchange: 'binance', account: 'x', orderId: '77', instanceId: 'a', symbol: 'ETH/USDT' }, 2)).toBe(0);
    expect(l.journalOrder({ exchange: 'binance', account: 'x', orderId: '77', instanceId: 'a', symbol: 'BTC/USDT' }, 2)).toBe(1);
    expect(l.fillsFor('a').map((f) => f.id)).toEqual(['1']);
    expect(l.orderOwner('binance', 'x', 'BTC/USDT', '77')).toBe('a');
    expect(l.orderOwner('binance', 'x', 'SOL/USDT', '77')).toBeNull();
  });

  it('migrates a version-1 file forward and refuses a newer one', () => {
    const p = path();
    const v1 = new DatabaseSync(p);
    v1.exec(`CREATE TABLE fills (exchange TEXT NOT NULL, account TEXT NOT NULL, symbol TEXT NOT NULL, id TEXT NOT NULL,
      instance_id TEXT, order_id TEXT, side TEXT NOT NULL, price REAL NOT NULL, amount REAL NOT NULL, cost REAL NOT NULL, fees TEXT NOT NULL,
      ts INTEGER NOT NULL, is_maker INTEGER, inserted_at INTEGER NOT NULL, PRIMARY KEY (exchange, account, symbol, id));
      CREATE TABLE cursors (instance_id TEXT NOT NULL, endpoint TEXT NOT NULL, symbol TEXT NOT NULL, since INTEGER NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (instance_id, endpoint, symbol));
      CREATE TABLE orders (exchange TEXT NOT NULL, account TEXT NOT NULL, order_id TEXT NOT NULL, instance_id TEXT NOT NULL, symbol TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (exchange, account, symbol, order_id));
      CREATE TABLE strategy_state (id TEXT PRIMARY KEY, status TEXT NOT NULL, allocation REAL, running INTEGER, updated_at INTEGER NOT NULL);
      CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, source TEXT NOT NULL, reason TEXT, detail TEXT);
      INSERT INTO fills VALUES ('binance','x','BTC/USDT','1','a',NULL,'buy',100,1,100,'[]',1000,1,1);
      INSERT INTO strategy_state VALUES ('a','paused',500,1,1);
      PRAGMA user_version = 1;`);
    v1.close();
    const l = new Ledger(p);
    expect(l.fillsFor('a').map((f) => f.id)).toEqual(['1']);
    expect(l.strategyState('a')).toMatchObject({ status: 'paused', allocation: 500 });
    l.addEquitySample({ instanceId: 'a', ts: 5, totalPnl: 1, capital: 500, realized: 1, unrealized: 0, funding: 0, fees: 0 });
    expect(l.equitySamples('a')).toHaveLength(1);
    l.close();
    const newer = new DatabaseSync(p);
    newer.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    newer.close();
    expect(() => new Ledger(p)).toThrow(/newer than this app/);
  });

  it('funding is deduplicated and summed per instance', () => {
    const file = path();
    const l = new Ledger(file);
    const ev = (id: string, amount: number) => ({
      event: { id, symbol: 'BTC/USDT:USDT', amount, currency: 'USDT', timestamp: 1000 + Number(id) },
      instanceId: 'arb',
    });
    expect(l.appendFunding({ exchange: 'binance', account: 'x', events: [ev('1', 1.5), ev('2', -0.5)], cursor: null }, 1)).toBe(2);
    expect(l.appendFunding({ exchange: 'binance', account: 'x', events: [ev('2', -0.5), ev('3', 0.25)], cursor: null }, 2)).toBe(1);
    expect(l.fundingTotal('arb')).toBeCloseTo(1.25, 12);
    expect(l.fundingFor('arb', 2).map((f) => f.id)).toEqual(['3', '2']);
    // a re-read of stored payments with the cursor where it is commits nothing (no fsync)
    const cursor = { instanceId: 'arb', endpoint: 'funding', symbol: 'BTC/USDT:USDT', since: 1003 };
    expect(l.appendFunding({ exchange: 'binance', account: 'x', events: [ev('3', 0.25)], cursor }, 3)).toBe(0);
    const version = dataVersion(file);
    const before = version();
    expect(l.appendFunding({ exchange: 'binance', account: 'x', events: [ev('2', -0.5), ev('3', 0.25)], cursor }, 4)).toBe(0);
    expect(version()).toBe(before);
    expect(l.cursor('arb', 'funding', 'BTC/USDT:USDT')).toBe(1003);
    expect(l.fundingTotal('arb')).toBeCloseTo(1.25, 12);
  });

  it('reads a long history in pages without losing, repeating or misordering a fill', () => {
    const l = new Ledger(path());
    // Three pages and a bit, five fills per millisecond, and the same id in both symbols at the same time:
    // only the row id tells those apart, so a page that ended on one must not skip the other.
    const feeShapes = [
      [],
      [{ currency: 'USDT', amount: 0.0123456789012345 }],
      [{ currency: 'BNB', amount: 0.001, quoteValue: 0.6 }],
      [
        { currency: 'BTC', amount: 1e-7 },
        { currency: 'USDT', amount: 0.5 },
      ],
      [{ currency: 'US"DT', amount: 2 }],
    ];
    const fills: Fill[] = [];
    for (let i = 0; i < 3 * FOLD_PAGE + 7; i++) {
      const ts = 1_000 + Math.floor(i / 5);
      // ids '8', '9', '10' inside one millisecond: numeric ids fold numerically, not as text
      const id = String(8 + (i % 5 < 3 ? i % 5 : (i % 5) - 3) + Math.floor(i / 5) * 10);
      fills.push(
        testFill(id, {
          timestamp: ts,
          symbol: i % 5 < 3 ? 'BTC/USDT' : 'BTC/USDT:USDT',
          fees: feeShapes[i % feeShapes.length] ?? [],
          side: i % 2 ? 'sell' : 'buy',
        }),
      );
    }
    l.appendFills({ exchange: 'binance', account: 'x', fills: fills.map((f) => ({ fill: f, instanceId: 'a' })), cursor: null }, 0);
    const key = (f: Fill) => `${f.timestamp} ${f.id} ${f.symbol}`;
    const read: StoredFill[] = [];
    expect(l.eachFill('a', (f) => read.push(f))).toBe(fills.length);
    for (let i = 1; i < read.length; i++) {
      const [a, b] = [read[i - 1] as StoredFill, read[i] as StoredFill];
      expect(compareFillOrder(a.timestamp, a.id, b.timestamp, b.id)).toBeLessThanOrEqual(0);
    }
    // every fill once, with its fees as written (the one-fee shape is read by hand, the rest by JSON.parse)
    const byKey = new Map(fills.map((f) => [key(f), f]));
    expect(new Set(read.map(key)).size).toBe(fills.length);
    for (const f of read) expect(f.fees).toEqual(byKey.get(key(f))?.fees);
    // one symbol from a time in the middle of a tie that straddles the first page's end
    const from = (read[FOLD_PAGE - 1] as StoredFill).timestamp;
    const ofSymbol: string[] = [];
    l.eachFillOfSymbol('a', 'BTC/USDT:USDT', from, (f) => ofSymbol.push(key(f)));
    expect(ofSymbol).toEqual(read.filter((f) => f.symbol === 'BTC/USDT:USDT' && f.timestamp >= from).map(key));
    expect(ofSymbol.length).toBeGreaterThan(0);
  });
});
