/**
 * Paper trading: the same strategy on live public market data, with simulated fills and its own
 * paper book. Orders never reach the exchange; a resting order fills (as maker, at its own price)
 * once the live market trades through it: a bid when the best ask falls to it, an ask when the best
 * bid rises to it. Everything else (markets, quotes) comes from the real session.
 */
import type { Clock } from '../clock.ts';
import {
  ExchangeError,
  type ExchangeSession,
  type Fill,
  type FundingEvent,
  type FundingInfo,
  type MarketRules,
  type OpenOrder,
  type OrderReport,
  type OrderRequest,
  type PositionReport,
  type Quote,
} from '../exchange/types.ts';
import { splitSymbol } from '../metrics/pnl.ts';

export interface PaperOptions {
  clock: Clock;
  /** Maker fee rate charged on paper fills, in quote (default 0.0002 = 2 bp). */
  makerFeeRate?: number;
}

interface PaperOrder extends OpenOrder {
  seq: number;
}

const MAX_KEPT_FILLS = 20_000;

export class PaperSession implements ExchangeSession {
  readonly exchangeId: string;
  readonly accountId: string;
  #live: ExchangeSession;
  #clock: Clock;
  #feeRate: number;
  #orders = new Map<string, PaperOrder>();
  #fills: Fill[] = [];
  /** Orders that left the paper book, by client order id, for lookups (as an exchange keeps its order history). */
  #done = new Map<string, OrderReport>();
  #seq = 0;
  /** Ids stay unique across restarts: the ledger dedupes by id, and a restarted paper book starts counting again. */
  #epoch: string;

  constructor(live: ExchangeSession, options: PaperOptions) {
    this.#live = live;
    this.#clock = options.clock;
    this.#feeRate = options.makerFeeRate ?? 0.0002;
    this.exchangeId = `paper-${live.exchangeId}`;
    this.accountId = live.accountId;
    this.#epoch = options.clock.now().toString(36);
  }

  loadMarkets(): Promise<void> {
    return this.#live.loadMarkets();
  }

  market(symbol: string): MarketRules {
    return this.#live.market(symbol);
  }

  fillWindowMs(): number | null {
    return null;
  }

  async fetchQuote(symbol: string): Promise<Quote> {
    const quote = await this.#live.fetchQuote(symbol);
    this.#match(quote);
    return quote;
  }

  async fetchFills(symbol: string, since: number, limit: number, until: number | null): Promise<Fill[]> {
    // Bring the paper book up to date with the market before answering, as an exchange would be.
    if ([...this.#orders.values()].some((o) => o.symbol === symbol)) await this.fetchQuote(symbol);
    return this.#fills
      .filter((f) => f.symbol === symbol && f.timestamp >= since && (until === null || f.timestamp <= until))
      .slice(0, limit);
  }

  async fetchFunding(): Promise<FundingEvent[]> {
    return [];
  }

  async fetchPositions(): Promise<PositionReport[]> {
    return [];
  }

  fetchFundingRate(symbol: string): Promise<FundingInfo> {
    return this.#live.fetchFundingRate(symbol);
  }

  async fetchOpenOrders(symbol: string): Promise<OpenOrder[]> {
    return [...this.#orders.values()].filter((o) => o.symbol === symbol).map(({ seq: _seq, ...o }) => o);
  }

  async createOrder(request: OrderRequest): Promise<OpenOrder> {
    const quote = await this.fetchQuote(request.symbol);
    const crosses = request.side === 'buy' ? request.price >= quote.ask : request.price <= quote.bid;
    if (crosses && request.isPostOnly) {
      throw new ExchangeError(
        'exchange',
        `paper: OrderImmediatelyFillable: post-only ${request.side} at ${request.price} would immediately match`,
      );
    }
    const seq = ++this.#seq;
    const order: PaperOrder = {
      id: `paper-${this.#epoch}-${seq}`,
      clientOrderId: request.clientOrderId ?? null,
      symbol: request.symbol,
      side: request.side,
      price: request.price,
      amount: request.amount,
      filled: 0,
      timestamp: this.#clock.now(),
      seq,
    };
    this.#orders.set(order.id, order);
    if (crosses) this.#match(quote);
    return order;
  }

  async cancelOrder(id: string): Promise<OrderReport | void> {
    const order = this.#orders.get(id);
    if (!order) return;
    this.#orders.delete(id);
    return this.#finish(order, 'cancelled');
  }

  async fetchOrderByClientId(symbol: string, clientOrderId: string): Promise<OrderReport | null> {
    for (const order of this.#orders.values()) {
      if (order.symbol === symbol && order.clientOrderId === clientOrderId) {
        const { seq: _seq, ...open } = order;
        return { ...open, status: 'open', average: null };
      }
    }
    const done = this.#done.get(clientOrderId);
    return done !== undefined && done.symbol === symbol ? { ...done } : null;
  }

  #finish(order: PaperOrder, status: 'filled' | 'cancelled'): OrderReport {
    const { seq: _seq, ...rest } = order;
    const report: OrderReport = {
      ...rest,
      filled: status === 'filled' ? order.amount : order.filled,
      status,
      average: status === 'filled' ? order.price : null,
    };
    if (order.clientOrderId !== null) {
      this.#done.set(order.clientOrderId, report);
      if (this.#done.size > MAX_KEPT_FILLS) this.#done.delete(this.#done.keys().next().value as string);
    }
    return report;
  }

  async close(): Promise<void> {
    this.#orders.clear();
  }

  #match(quote: Quote): void {
    for (const order of [...this.#orders.values()].sort((a, b) => a.seq - b.seq)) {
      if (order.symbol !== quote.symbol) continue;
      const isFilled = order.side === 'buy' ? quote.ask <= order.price : quote.bid >= order.price;
      if (!isFilled) continue;
      this.#orders.delete(order.id);
      this.#finish(order, 'filled');
      const { quote: quoteCcy } = splitSymbol(order.symbol);
      const cost = order.price * order.amount;
      this.#fills.push({
        id: `${order.id}-f`,
        orderId: order.id,
        symbol: order.symbol,
        side: order.side,
        price: order.price,
        amount: order.amount,
        cost,
        fees: [{ currency: quoteCcy, amount: cost * this.#feeRate }],
        timestamp: this.#clock.now(),
        isMaker: true,
      });
    }
    if (this.#fills.length > MAX_KEPT_FILLS) this.#fills.splice(0, this.#fills.length - MAX_KEPT_FILLS);
  }
}
