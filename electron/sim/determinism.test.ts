import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type SimTrade, type Simulator } from './simulator.ts';
import { binanceClient, idOf } from './testClient.ts';

const running: Simulator[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

interface Run {
  path: number[];
  trades: Omit<SimTrade, 'time'>[];
  statuses: string[];
}

/** Quotes both sides of two markets through real ccxt, then steps the market and records it all. */
async function run(seed: number, options: { trade?: boolean; ticks?: number } = {}): Promise<Run> {
  const s = await startSimulator({
    autoTick: false,
    seed,
    accounts: [{ apiKey: 'k', secret: 's', balances: { USDT: 100000, BTC: 2, ETH: 20 } }],
  });
  running.push(s);
  const ex = binanceClient(s.url, { apiKey: 'k', secret: 's' });
  await ex.loadMarkets();
  const ids: string[] = [];
  if (options.trade !== false) {
    for (const [symbol, qty] of [
      ['BTC/USDT', 0.05],
      ['ETH/USDT', 0.5],
    ] as const) {
      const mid = s.price(symbol);
      for (const bps of [3, 8]) {
        const bid = Math.floor(mid * (1 - bps / 1e4) * 100) / 100;
        const ask = Math.ceil(mid * (1 + bps / 1e4) * 100) / 100;
        ids.push(idOf(await ex.createOrder(symbol, 'limit', 'buy', qty, bid, { postOnly: true })));
        ids.push(idOf(await ex.createOrder(symbol, 'limit', 'sell', qty, ask, { postOnly: true })));
      }
    }
  }
  const path: number[] = [];
  for (let i = 0; i < (options.ticks ?? 300); i++) {
    s.advance(1);
    path.push(s.price('BTC/USDT'), s.price('ETH/USDT'), s.price('SOL/USDT'));
  }
  const statuses: string[] = [];
  for (const [i, id] of ids.entries()) {
    const order = await ex.fetchOrder(id, i < 4 ? 'BTC/USDT' : 'ETH/USDT');
    statuses.push(`${order.info['status']}:${order.filled}`);
  }
  const trades = s.trades('k').map(({ time: _time, ...rest }) => rest);
  return { path, trades, statuses };
}

describe('determinism', () => {
  it('same seed ⇒ identical price path, fills and order states', async () => {
    const a = await run(7);
    const b = await run(7);
    expect(a.trades.length).toBeGreaterThan(4);
    expect(new Set(a.trades.map((t) => t.isBuyer)).size).toBe(2);
    expect(a.path).toEqual(b.path);
    expect(a.trades).toEqual(b.trades);
    expect(a.statuses).toEqual(b.statuses);
  });

  it('different seed ⇒ a different path and different fills', async () => {
    const a = await run(7);
    const c = await run(8);
    expect(c.path).not.toEqual(a.path);
    expect(c.trades).not.toEqual(a.trades);
    // Both start from the same listed prices; only the random walk differs.
    for (const [i, start] of [68000, 3500, 150].entries()) {
      expect(Math.abs((a.path[i] ?? 0) / start - 1)).toBeLessThan(0.001);
      expect(Math.abs((c.path[i] ?? 0) / start - 1)).toBeLessThan(0.001);
    }
  });

  it("the price path does not depend on the accounts' orders", async () => {
    const traded = await run(9);
    const idle = await run(9, { trade: false });
    expect(traded.trades.length).toBeGreaterThan(0);
    expect(idle.path).toEqual(traded.path);
  });

  it('moves by itself on the tick timer when autoTick is on, and stops on close', async () => {
    const s = await startSimulator({ seed: 3, tickMs: 5 });
    const start = s.price('BTC/USDT');
    const moved = await new Promise<boolean>((resolve) => {
      const poll = setInterval(() => {
        if (s.price('BTC/USDT') !== start) {
          clearInterval(poll);
          resolve(true);
        }
      }, 5);
      setTimeout(() => {
        clearInterval(poll);
        resolve(false);
      }, 2000);
    });
    expect(moved).toBe(true);
    await s.close();
    const after = s.price('BTC/USDT');
    await new Promise((r) => setTimeout(r, 50));
    expect(s.price('BTC/USDT')).toBe(after);
  });
});
