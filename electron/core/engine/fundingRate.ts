/**
 * Funding-rate arbitrage: when the perpetual's annualised funding is above the entry threshold, buy
 * spot and short the perpetual for equal notional (positive funding: longs pay shorts, so the short
 * receives it while the spot leg hedges the price); keep the hedge balanced; unwind below the exit
 * threshold, when funding turns negative, or on stop.
 *
 * Every decision is taken from the instance's exposure (ledger + fills its order answers reported +
 * what its live orders can add), never from the ledger alone: the sync lags the orders just placed,
 * and a strategy that read "flat" from it would enter again on every step until the sync caught up.
 */
import type { FundingRateFigures } from '../../../shared/model.ts';
import type { MarketRules, OpenOrder } from '../exchange/types.ts';
import { resolveStrategyParams } from '../../../shared/strategyParams.ts';
import type { Strategy, StrategyContext } from './strategies.ts';
import { isPerpetual } from '../../../shared/symbols.ts';

export interface FundingRateParams {
  /** Enter when annualised funding is at least this (0.1 = 10 %/year). */
  entryApr: number;
  /** Exit when annualised funding falls below this. */
  exitApr: number;
  /** Notional of each leg as a share of the capital budget. */
  legFraction: number;
  /** Re-hedge when |perp + spot| / spot exceeds this. */
  maxImbalance: number;
  /** Funding interval when the exchange does not say, ms (8 h on Binance and Bybit). */
  fundingIntervalMs: number;
  /** How far past the touch a taking order may go, in basis points. */
  slippageBps: number;
  intervalMs: number;
}

const YEAR = 365 * 86_400_000;
/** A taking order still resting after this many steps missed the market: it is cancelled and the step decides again. */
const STALE_STEPS = 3;

/** The values a funding-rate instance runs with; ranges and defaults live in shared/strategyParams.ts. */
export function fundingRateParams(params: Record<string, unknown>): FundingRateParams {
  return resolveStrategyParams('funding_rate', params);
}

/** Annualised rate of a per-interval funding rate. */
export function annualise(rate: number, intervalMs: number): number {
  return rate * (YEAR / intervalMs);
}

/** Rounds an amount down onto both markets' step grids (the coarser wins). */
export function legAmount(notional: number, price: number, spot: MarketRules, perp: MarketRules): number {
  const step = Math.max(spot.stepSize, perp.stepSize);
  const amount = Math.floor(notional / price / step + 1e-9) * step;
  const decimals = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
  const rounded = Number(amount.toFixed(Math.min(decimals, 12)));
  if (rounded < Math.max(spot.minAmount, perp.minAmount) || rounded * price < Math.max(spot.minNotional, perp.minNotional)) return 0;
  return rounded;
}

export class FundingRate implements Strategy {
  readonly intervalMs: number;
  #p: FundingRateParams;
  #figures: FundingRateFigures = {
    kind: 'funding_rate',
    basis: null,
    fundingAccrued: 0,
    nextFundingTime: null,
    predictedRate: null,
    carryApr: null,
    hedgeImbalance: null,
    isHedged: false,
  };

  constructor(params: FundingRateParams) {
    this.#p = params;
    this.intervalMs = params.intervalMs;
  }

  figures(): FundingRateFigures {
    return this.#figures;
  }

  #legs(ctx: StrategyContext): { spot: string; perp: string } {
    const perp = ctx.config.symbols.find(isPerpetual);
    const spot = ctx.config.symbols.find((s) => !isPerpetual(s));
    if (!perp || !spot)
      throw new Error(`funding_rate instance ${ctx.config.id} needs one spot and one perpetual symbol (e.g. BTC/USDT and BTC/USDT:USDT)`);
    return { spot, perp };
  }

  async tick(ctx: StrategyContext): Promise<void> {
    await ctx.session.loadMarkets();
    const { spot, perp } = this.#legs(ctx);
    const [funding, spotQuote, perpQuote] = await Promise.all([
      ctx.session.fetchFundingRate(perp),
      ctx.session.fetchQuote(spot),
      ctx.session.fetchQuote(perp),
    ]);
    const spotMid = (spotQuote.bid + spotQuote.ask) / 2;
    const mark = funding.markPrice ?? (perpQuote.bid + perpQuote.ask) / 2;
    const interval = funding.intervalMs ?? this.#p.fundingIntervalMs;
    const apr = annualise(funding.rate, interval);
    // What the legs hold, and whether an order of ours is still live on either: then the step waits.
    const [spotOpen, perpOpen] = await Promise.all([ctx.openOrders(spot), ctx.openOrders(perp)]);
    const spotQty = held(ctx, spot);
    const perpQty = held(ctx, perp);
    const isHedged = spotQty > 0 && perpQty < 0;
    this.#figures = {
      kind: 'funding_rate',
      basis: spotMid > 0 ? (mark - spotMid) / spotMid : null,
      fundingAccrued: 0, // filled in by the host from the ledger
      nextFundingTime: funding.nextFundingTime === null ? null : new Date(funding.nextFundingTime).toISOString(),
      predictedRate: funding.rate,
      carryApr: isHedged ? apr : null,
      hedgeImbalance: spotQty > 0 ? (perpQty + spotQty) / spotQty : null,
      isHedged,
    };

    const spotRules = ctx.session.market(spot);
    const perpRules = ctx.session.market(perp);
    const slip = this.#p.slippageBps / 10_000;
    if (this.#isBusy(ctx, [...spotOpen, ...perpOpen], [spot, perp])) {
      await this.#cancelStale(ctx, [...spotOpen, ...perpOpen]);
      return;
    }
    const isFlat = Math.abs(spotQty) < spotRules.minAmount && Math.abs(perpQty) < perpRules.minAmount;
    if (!isHedged && isFlat) {
      if (funding.rate <= 0 || apr < this.#p.entryApr) return;
      const amount = legAmount(ctx.budget() * this.#p.legFraction, Math.max(spotQuote.ask, perpQuote.bid), spotRules, perpRules);
      if (amount <= 0) return;
      // Both legs take liquidity at once: a hedge that waits for a maker fill is not a hedge.
      await ctx.place({ symbol: spot, side: 'buy', amount, price: spotQuote.ask * (1 + slip), isPostOnly: false });
      await ctx.place({ symbol: perp, side: 'sell', amount, price: perpQuote.bid * (1 - slip), isPostOnly: false });
      return;
    }
    if (funding.rate < 0 || apr < this.#p.exitApr) {
      await this.unwind(ctx);
      return;
    }
    // Keep the hedge balanced: the perp short follows the spot holding.
    if (spotQty > 0 && Math.abs(perpQty + spotQty) / spotQty > this.#p.maxImbalance) {
      const diff = -spotQty - perpQty; // > 0: buy perp back; < 0: sell more perp
      const amount = legAmount(Math.abs(diff) * mark, mark, perpRules, perpRules);
      if (amount > 0) {
        await ctx.place(
          diff > 0
            ? { symbol: perp, side: 'buy', amount, price: perpQuote.ask * (1 + slip), isPostOnly: false, isReduceOnly: true }
            : { symbol: perp, side: 'sell', amount, price: perpQuote.bid * (1 - slip), isPostOnly: false },
        );
      }
    }
  }

  /** Orders of ours live on the legs: resting, or placed and not answered (their fate is being settled). */
  #isBusy(ctx: StrategyContext, open: OpenOrder[], symbols: string[]): boolean {
    if (open.length > 0) return true;
    return symbols.some((symbol) => {
      const e = ctx.exposure(symbol);
      return e.open.buy > 0 || e.open.sell > 0;
    });
  }

  async #cancelStale(ctx: StrategyContext, open: OpenOrder[]): Promise<void> {
    const now = Date.now();
    for (const order of open) if (order.timestamp > 0 && now - order.timestamp > this.intervalMs * STALE_STEPS) await ctx.cancel(order);
  }

  /** Closes both legs: sells the spot it bought and buys the perpetual short back (reduce-only). */
  async unwind(ctx: StrategyContext): Promise<void> {
    const { spot, perp } = this.#legs(ctx);
    // An exit placed on an earlier step may still be settling: never place it twice.
    if (this.#isBusy(ctx, [], [spot, perp])) return;
    const spotQty = held(ctx, spot);
    const perpQty = held(ctx, perp);
    const slip = this.#p.slippageBps / 10_000;
    if (perpQty < 0) {
      const q = await ctx.session.fetchQuote(perp);
      const rules = ctx.session.market(perp);
      const amount = floorTo(-perpQty, rules.stepSize);
      if (amount >= rules.minAmount)
        await ctx.place({ symbol: perp, side: 'buy', amount, price: q.ask * (1 + slip), isPostOnly: false, isReduceOnly: true });
    }
    if (spotQty > 0) {
      const q = await ctx.session.fetchQuote(spot);
      const rules = ctx.session.market(spot);
      const amount = floorTo(spotQty, rules.stepSize);
      if (amount >= rules.minAmount && amount * q.bid >= rules.minNotional)
        await ctx.place({ symbol: spot, side: 'sell', amount, price: q.bid * (1 - slip), isPostOnly: false });
    }
  }

  async onStop(ctx: StrategyContext): Promise<void> {
    await this.unwind(ctx);
  }
}

/** Base held in `symbol`: the ledger's position plus the fills our order answers reported that it lacks. */
function held(ctx: StrategyContext, symbol: string): number {
  const e = ctx.exposure(symbol);
  return e.position + e.pending;
}

function floorTo(value: number, step: number): number {
  const decimals = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
  return Number((Math.floor(value / step + 1e-9) * step).toFixed(Math.min(decimals, 12)));
}
