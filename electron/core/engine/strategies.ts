/** Strategy types and their step logic. A step reads the market and moves the instance's orders. */
import type { ExchangeSession, MarketRules, OpenOrder, OrderRequest, Side } from '../exchange/types.ts';
import type { StrategyFigures } from '../../../shared/model.ts';
import type { InstanceConfig } from '../workspace/workspace.ts';
import { resolveStrategyParams } from '../../../shared/strategyParams.ts';
import { FundingRate, fundingRateParams } from './fundingRate.ts';
import type { Exposure } from './orderTracker.ts';

export interface StrategyContext {
  config: InstanceConfig;
  session: ExchangeSession;
  /** Capital budget in quote. */
  budget(): number;
  /** The instance's signed position in `symbol` from its own synced fills (base): lags its orders; decide from `exposure`. */
  position(symbol: string): number;
  /**
   * What the instance holds and may soon hold in `symbol` (base): the ledger's position, fills its order
   * answers reported that the ledger lacks, and what its live orders can still add. Current as of the
   * last `openOrders(symbol)` read and every order placed or cancelled since.
   */
  exposure(symbol: string): Exposure;
  /** Base amount of one order's fills that the ledger already holds (and so `position` includes). */
  filledInLedger(symbol: string, orderId: string): number;
  /** Reports whether both quotes were live after this step, for quote uptime. */
  reportQuoting(symbol: string, isBothSides: boolean): void;
  /** The instance's open orders on `symbol` as the exchange lists them; orders that left the book are settled (filled or cancelled). */
  openOrders(symbol: string): Promise<OpenOrder[]>;
  place(request: OrderRequest): Promise<OpenOrder>;
  cancel(order: OpenOrder): Promise<void>;
}

export interface Strategy {
  /** Time between steps, ms. */
  readonly intervalMs: number;
  tick(ctx: StrategyContext): Promise<void>;
  /** What the strategy does when its instance stops, after open orders are cancelled (e.g. unwind a hedge). */
  onStop?(ctx: StrategyContext): Promise<void>;
  /** The strategy's own figures, where it keeps them itself. */
  figures?(): StrategyFigures;
}

export interface FixedSpreadParams {
  /** Full bid–ask spread around mid, in basis points. */
  spreadBps: number;
  /** Re-quote when a quote is this far (bps of mid) from where it should be. */
  requoteBps: number;
  /** Each quote's value as a fraction of the capital budget. */
  orderFraction: number;
  /** Largest inventory, as its value over the capital budget; past it the side that adds to it stops. */
  maxInventoryFraction: number;
  /** How far the quotes lean against inventory at the limit, as a share of the half spread (0 = no skew). */
  skew: number;
  intervalMs: number;
}

/** The values a fixed-spread instance runs with; ranges and defaults live in shared/strategyParams.ts. */
export function fixedSpreadParams(params: Record<string, unknown>): FixedSpreadParams {
  return resolveStrategyParams('fixed_spread', params);
}

/** Where the quotes should sit: bid and ask at half the spread either side of mid, on the tick grid, never crossing. */
export function quotePrices(mid: number, spreadBps: number, tickSize: number): { bid: number; ask: number } {
  const half = (mid * spreadBps) / 20_000;
  const bid = Math.floor((mid - half) / tickSize + 1e-9) * tickSize;
  let ask = Math.ceil((mid + half) / tickSize - 1e-9) * tickSize;
  if (ask <= bid) ask = bid + tickSize;
  return { bid: roundTo(bid, tickSize), ask: roundTo(ask, tickSize) };
}

/** Order size in base from the budget, on the step grid and above the exchange's minimums; 0 when it cannot be met. */
export function quoteSize(budget: number, fraction: number, price: number, rules: MarketRules): number {
  if (!(price > 0) || !(budget > 0)) return 0;
  const raw = (budget * fraction) / price;
  const size = roundTo(Math.floor(raw / rules.stepSize + 1e-9) * rules.stepSize, rules.stepSize);
  if (size < rules.minAmount || size * price < rules.minNotional) return 0;
  return size;
}

export class FixedSpread implements Strategy {
  readonly intervalMs: number;
  #params: FixedSpreadParams;

  constructor(params: FixedSpreadParams) {
    this.#params = params;
    this.intervalMs = params.intervalMs;
  }

  async tick(ctx: StrategyContext): Promise<void> {
    await ctx.session.loadMarkets();
    for (const symbol of ctx.config.symbols) {
      const rules = ctx.session.market(symbol);
      const quote = await ctx.session.fetchQuote(symbol);
      const mid = (quote.bid + quote.ask) / 2;
      const open = await ctx.openOrders(symbol);
      // The synced position plus what our orders filled that the ledger does not hold yet: the sync runs
      // on its own timer; the market does not wait for it.
      const exposure = ctx.exposure(symbol);
      const inventory = exposure.position + exposure.pending;
      const limit = (ctx.budget() * this.#params.maxInventoryFraction) / mid;
      const target = skewedQuotes(mid, this.#params, rules.tickSize, inventory, limit);
      let live = 0;
      for (const side of ['buy', 'sell'] as const satisfies readonly Side[]) {
        const price = side === 'buy' ? target.bid : target.ask;
        const mine = open.filter((o) => o.side === side).sort((a, b) => b.timestamp - a.timestamp);
        const [keep, ...extra] = mine;
        // Never more than one live quote per side.
        for (const order of extra) await ctx.cancel(order);
        if (price === null) {
          // At the inventory limit: the side that would add to it stops quoting.
          if (keep) await ctx.cancel(keep);
          continue;
        }
        const tolerance = (mid * this.#params.requoteBps) / 10_000;
        if (keep && Math.abs(keep.price - price) <= Math.max(tolerance, rules.tickSize / 2)) {
          live++;
          continue;
        }
        if (keep) await ctx.cancel(keep);
        const amount = quoteSize(ctx.budget(), this.#params.orderFraction, price, rules);
        if (amount <= 0) continue;
        // A quote that would carry the inventory past its limit once filled is not placed at all.
        if (side === 'buy' ? inventory + amount > limit : inventory - amount < -limit) continue;
        try {
          await ctx.place({ symbol, side, amount, price, isPostOnly: true });
          live++;
        } catch (error) {
          // The market moved through our price since the quote was read: post-only refused it, as intended.
          if (!isPostOnlyRejection(error)) throw error;
        }
      }
      ctx.reportQuoting(symbol, live === 2);
    }
  }
}

/**
 * The quotes with inventory skew: both lean against the inventory by `skew` × half spread × (inventory / limit),
 * and at or past the limit the side that would add to the inventory is null (not quoted).
 */
export function skewedQuotes(
  mid: number,
  params: Pick<FixedSpreadParams, 'spreadBps' | 'skew'>,
  tickSize: number,
  inventory: number,
  limit: number,
): { bid: number | null; ask: number | null } {
  const ratio = limit > 0 ? Math.max(-1, Math.min(1, inventory / limit)) : 0;
  const shift = ((mid * params.spreadBps) / 20_000) * params.skew * ratio;
  const { bid, ask } = quotePrices(mid - shift, params.spreadBps, tickSize);
  return {
    bid: limit > 0 && inventory >= limit ? null : bid,
    ask: limit > 0 && inventory <= -limit ? null : ask,
  };
}

export function createStrategy(config: InstanceConfig): Strategy {
  switch (config.type) {
    case 'fixed_spread':
      return new FixedSpread(fixedSpreadParams(config.params));
    case 'funding_rate':
      return new FundingRate(fundingRateParams(config.params));
  }
}

export function isPostOnlyRejection(error: unknown): boolean {
  return error instanceof Error && /OrderImmediatelyFillable|would immediately match/i.test(error.message);
}

function roundTo(value: number, step: number): number {
  const decimals = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
  return Number(value.toFixed(Math.min(decimals, 12)));
}
