/**
 * Contract sizes (issue 11 part 4): ccxt's contract-market trade `amount` is in contracts; the ledger
 * holds base for linear contracts and the face value in quote for inverse ones (normalize.ts
 * `contractAmount`), and the fold books inverse PnL in the coin (pnl.ts `tradeInverse`). Checked
 * against recorded exchange figures (ccxt's static fixtures: Binance COIN-M position, OKX closed
 * position) and by hand. The recorded fixtures hold no OKX swap fill and no inverse fill, and the
 * simulator has no OKX or inverse market, so these are unit-level folds of ccxt-shaped trades.
 */
import { readFileSync } from 'node:fs';
import type { Trade } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { normalizeFunding, normalizePosition, normalizeTrade, type ContractMarket } from '../exchange/normalize.ts';
import type { Fill } from '../exchange/types.ts';
import { emptyFold, foldFill, toMetrics } from './pnl.ts';
import { totalsOf } from '../../../shared/totals.ts';
import { pnlCurrency } from '../../../shared/symbols.ts';
import { makeMetrics, makeStrategy } from '../../../renderer/src/testFixtures.ts';

type Json = Record<string, string>;

const recorded = (exchange: string, method: string, index: number): Json => {
  const file = new URL(`../exchange/fixtures/ccxt-static/${exchange}.json`, import.meta.url);
  const rec = JSON.parse(readFileSync(file, 'utf8')) as { methods: Record<string, { httpResponse: unknown }[]> };
  const http = rec.methods[method]?.[index]?.httpResponse as Json[] | { data: Json[] };
  const row = Array.isArray(http) ? http[0] : http.data[0];
  if (!row) throw new Error(`${exchange} ${method}[${index}] has no row`);
  return row;
};

const OKX_BTC_SWAP: ContractMarket = { contract: true, inverse: false, contractSize: 0.01 };
const COIN_M_BTC: ContractMarket = { contract: true, inverse: true, contractSize: 100 };
const INVERSE = 'BTC/USD:BTC';

let seq = 0;
/** A ccxt trade as ccxt parses a contract market's row: `amount` in contracts. */
function ccxtTrade(
  symbol: string,
  side: 'buy' | 'sell',
  contracts: number,
  price: number,
  fee?: { cost: number; currency: string },
): Trade {
  seq += 1;
  return {
    id: String(seq),
    order: `o${seq}`,
    symbol,
    side,
    price,
    amount: contracts,
    cost: contracts * price,
    timestamp: 1_700_000_000_000 + seq,
    takerOrMaker: 'taker',
    fee,
    fees: fee ? [fee] : [],
    info: {},
  } as unknown as Trade;
}

function fold(quote: string, fills: Fill[], marks: Record<string, number> = {}): ReturnType<typeof toMetrics> {
  const state = emptyFold(quote);
  for (const f of fills) foldFill(state, f);
  return toMetrics(state, new Map(Object.entries(marks)), false);
}

describe('contract size: linear contracts are base, contracts × contractSize', () => {
  it('OKX BTC-USDT-SWAP: 3 contracts of 0.01 BTC are 0.03 BTC, notional and PnL in USDT', () => {
    const open = normalizeTrade(
      ccxtTrade('BTC/USDT:USDT', 'buy', 3, 40_000, { cost: 0.6, currency: 'USDT' }),
      'BTC/USDT:USDT',
      OKX_BTC_SWAP,
    );
    const close = normalizeTrade(ccxtTrade('BTC/USDT:USDT', 'sell', 3, 41_000), 'BTC/USDT:USDT', OKX_BTC_SWAP);
    expect(open).toMatchObject({ amount: 0.03, price: 40_000, cost: 1_200, fees: [{ currency: 'USDT', amount: 0.6 }] });
    const m = fold('USDT', [open, close]);
    // 0.03 BTC × 1 000 USDT, not 3 × 1 000.
    expect(m.realizedPnl).toBe(30);
    expect(m.fees).toBe(0.6);
    expect(m.volume).toBe(2_430);
    expect(m.positions['BTC/USDT:USDT']).toBe(0);
  });

  it('a spot market (or none known) keeps ccxt amount and cost as they are', () => {
    const fill = normalizeTrade(ccxtTrade('BTC/USDT', 'buy', 0.5, 40_000), 'BTC/USDT', { contract: false });
    expect(fill).toMatchObject({ amount: 0.5, cost: 20_000 });
    expect(normalizeTrade(ccxtTrade('BTC/USDT', 'buy', 0.5, 40_000), 'BTC/USDT')).toMatchObject({ amount: 0.5 });
  });

  it('OKX recorded closed position (SUSHI-USDT-SWAP, ctVal 1): the fold of its open and close is the exchange `pnl`', () => {
    const row = recorded('okx', 'fetchPositions', 1);
    const contracts = Number(row.closeTotalPos);
    const market: ContractMarket = { contract: true, inverse: false, contractSize: 1 };
    const symbol = 'SUSHI/USDT:USDT';
    expect(row.direction).toBe('short');
    const m = fold('USDT', [
      normalizeTrade(ccxtTrade(symbol, 'sell', contracts, Number(row.openAvgPx)), symbol, market),
      normalizeTrade(ccxtTrade(symbol, 'buy', contracts, Number(row.closeAvgPx)), symbol, market),
    ]);
    expect(m.realizedPnl).toBeCloseTo(Number(row.pnl), 10);
  });
});

describe('contract size: inverse contracts are face value in quote, PnL in the coin', () => {
  it('Binance COIN-M recorded position (3 × 100 USD short): the fold marks it to the exchange `unRealizedProfit` in BTC', () => {
    const row = recorded('binance', 'fetchPositions', 3);
    expect(row.symbol).toBe('BTCUSD_PERP');
    const contracts = Math.abs(Number(row.positionAmt));
    const open = normalizeTrade(ccxtTrade(INVERSE, 'sell', contracts, Number(row.entryPrice)), INVERSE, COIN_M_BTC);
    expect(open).toMatchObject({ amount: 300, cost: 300 });
    const mark = Number(row.markPrice);
    const m = fold('BTC', [open], { [INVERSE]: mark });
    expect(m.unrealizedPnl).toBeCloseTo(Number(row.unRealizedProfit), 8);
    // The position in base at the mark, as normalizePosition reports the exchange's own position.
    const reported = normalizePosition({ symbol: INVERSE, side: 'short', contracts, contractSize: 100, markPrice: mark } as never, 0);
    expect(m.positions[INVERSE]).toBeCloseTo(reported.qty, 10);
  });

  it('a round trip: realized = contracts × cs × (1/entry − 1/exit) in BTC, fees in BTC as they are', () => {
    const open = normalizeTrade(ccxtTrade(INVERSE, 'buy', 10, 50_000, { cost: 0.00001, currency: 'BTC' }), INVERSE, COIN_M_BTC);
    const close = normalizeTrade(ccxtTrade(INVERSE, 'sell', 10, 40_000, { cost: 0.00001, currency: 'BTC' }), INVERSE, COIN_M_BTC);
    const m = fold('BTC', [open, close]);
    // 1 000 USD × (1/50 000 − 1/40 000) = −0.005 BTC (a long loses when the price falls).
    expect(m.realizedPnl).toBeCloseTo(10 * 100 * (1 / 50_000 - 1 / 40_000), 12);
    expect(m.realizedPnl).toBeCloseTo(-0.005, 12);
    expect(m.fees).toBeCloseTo(0.00002, 12);
    expect(m.positions[INVERSE]).toBe(0);
    expect(m.unpricedFees).toEqual({});
  });

  it('two opens average at the contract-weighted harmonic mean (the exchanges’ inverse entry), a short gains when the price falls', () => {
    const m = fold('BTC', [
      normalizeTrade(ccxtTrade(INVERSE, 'sell', 1, 40_000), INVERSE, COIN_M_BTC),
      normalizeTrade(ccxtTrade(INVERSE, 'sell', 3, 60_000), INVERSE, COIN_M_BTC),
      normalizeTrade(ccxtTrade(INVERSE, 'buy', 4, 50_000), INVERSE, COIN_M_BTC),
    ]);
    // Short 100 USD at 40k and 300 USD at 60k (entry 400 / (100/40k + 300/60k) = 53 333), bought back at
    // 50k: 400/50k − 100/40k − 300/60k = +0.0005 BTC; an arithmetic mean (55k) would say +0.00073.
    expect(m.realizedPnl).toBeCloseTo(400 / 50_000 - 100 / 40_000 - 300 / 60_000, 12);
    expect(m.realizedPnl).toBeCloseTo(0.0005, 12);
  });

  it('totals convert the BTC figures into the reporting currency and keep BTC as the real code', () => {
    const m = fold('BTC', [
      normalizeTrade(ccxtTrade(INVERSE, 'buy', 10, 50_000), INVERSE, COIN_M_BTC),
      normalizeTrade(ccxtTrade(INVERSE, 'sell', 10, 40_000), INVERSE, COIN_M_BTC),
    ]);
    const strategy = makeStrategy('inv-btc', { metrics: makeMetrics({ ...m, todayPnl: 0 }), allocation: 0 });
    const totals = totalsOf([strategy], 'USDT', { BTC: 40_000 });
    expect(strategy.metrics.quoteCurrency).toBe('BTC');
    expect(totals.currency).toBe('USDT');
    expect(totals.rates).toEqual({ BTC: 40_000 });
    expect(totals.realizedPnl).toBeCloseTo(-200, 8);
    expect(totals.unconverted).toEqual({});
  });

  it('funding on an inverse perpetual is labelled with its coin, so totals convert it', () => {
    expect(pnlCurrency(INVERSE)).toBe('BTC');
    expect(pnlCurrency('BTC/USDT:USDT')).toBe('USDT');
    expect(pnlCurrency('BTC/USDT')).toBe('USDT');
    expect(normalizeFunding('binance', { id: 'f1', amount: -0.00001, timestamp: 1 }, INVERSE)).toMatchObject({
      currency: 'BTC',
      amount: -0.00001,
    });
    expect(normalizeFunding('binance', { id: 'f2', amount: 1, code: 'BTC', timestamp: 1 }, INVERSE).currency).toBe('BTC');
    expect(normalizeFunding('binance', { id: 'f3', amount: 1, timestamp: 1 }, 'BTC/USDT:USDT').currency).toBe('USDT');
  });
});
