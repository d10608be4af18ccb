/**
 * One instance's orders, from intent to final state. An order is recorded here before its request is
 * sent (with the client order id it will carry), then moved on by what the exchange answers: the
 * create, the cancel, the book listing, or — where an answer is missing — a lookup by client order id.
 *
 * What the tracker knows and the ledger does not yet (fills from order answers; orders that may still
 * fill) is the gap between the ledger's lagging position and the instance's real exposure. Strategies
 * decide from the exposure, so an order placed one step ago counts at once, whatever the sync does.
 */
import type { Fill, OpenOrder, OrderReport, OrderRequest, Side } from '../exchange/types.ts';

/**
 * - `intent`: recorded, request not answered yet;
 * - `unknown`: the create's answer was lost (timeout, 5xx, unreadable): it may or may not be on the book;
 * - `open` / `partially_filled`: on the book;
 * - `filled` / `cancelled` / `rejected` / `expired`: final.
 */
export type OrderPhase = 'intent' | 'unknown' | 'open' | 'partially_filled' | 'filled' | 'cancelled' | 'rejected' | 'expired';

const FINAL: ReadonlySet<OrderPhase> = new Set<OrderPhase>(['filled', 'cancelled', 'rejected', 'expired']);

export interface TrackedOrder {
  clientOrderId: string;
  /** The exchange's id, once an answer or a lookup gave it. */
  orderId: string | null;
  symbol: string;
  side: Side;
  /** Base, as requested. */
  amount: number;
  /** Quote per base, as requested. */
  price: number;
  /** Base filled, as the exchange's answers last said. */
  filled: number;
  /** Average fill price when the exchange said, else the order's price. */
  average: number | null;
  phase: OrderPhase;
  /** The last error or note about this order (a lost answer, a refusal). */
  note: string | null;
  createdAt: number;
  updatedAt: number;
  /** We asked the exchange to cancel it (so leaving the book is not a fill). */
  isCancelRequested: boolean;
}

/** An instance's exposure in one symbol, in base; signs: + long, − short. */
export interface Exposure {
  /** What the ledger holds (fills synced and attributed to the instance, base fees deducted). */
  position: number;
  /** Fills the order answers reported that the ledger does not hold yet (signed). */
  pending: number;
  /** What the instance's live orders can still add, per side (unsigned, base): unfilled remainder, plus the whole of orders whose fate is unknown. */
  open: { buy: number; sell: number };
}

export interface OrderTrackerDeps {
  now(): number;
  /** Base the ledger holds for one order's fills. */
  ledgerFilled(symbol: string, orderId: string): number;
}

/** How long a final order is kept once the ledger has all its fills (it may still be asked about). */
const KEEP_SETTLED_MS = 60_000;
/** A final order the ledger never catches up with (fills attributed elsewhere, a sync that is down) is dropped after this. */
const KEEP_UNSETTLED_MS = 6 * 3_600_000;

export class OrderTracker {
  #deps: OrderTrackerDeps;
  /** By client order id, in the order placed. */
  #orders = new Map<string, TrackedOrder>();

  constructor(deps: OrderTrackerDeps) {
    this.#deps = deps;
  }

  /** Records an order about to be sent. */
  intent(request: OrderRequest & { clientOrderId: string }): TrackedOrder {
    const now = this.#deps.now();
    const order: TrackedOrder = {
      clientOrderId: request.clientOrderId,
      orderId: null,
      symbol: request.symbol,
      side: request.side,
      amount: request.amount,
      price: request.price,
      filled: 0,
      average: null,
      phase: 'intent',
      note: null,
      createdAt: now,
      updatedAt: now,
      isCancelRequested: false,
    };
    this.#orders.set(order.clientOrderId, order);
    return order;
  }

  /** The create answered (or a lookup found the order). */
  acknowledge(clientOrderId: string, answer: OpenOrder): void {
    const order = this.#orders.get(clientOrderId);
    if (!order) return;
    order.orderId = answer.id;
    if (Number.isFinite(answer.amount) && answer.amount > 0) order.amount = answer.amount;
    if (Number.isFinite(answer.price) && answer.price > 0) order.price = answer.price;
    this.#apply(order, answer.status ?? 'open', answer.filled, null);
  }

  /** The create's answer is missing: the order may be on the book. */
  lost(clientOrderId: string, why: string): void {
    const order = this.#orders.get(clientOrderId);
    if (!order || FINAL.has(order.phase)) return;
    order.phase = 'unknown';
    order.note = why;
    order.updatedAt = this.#deps.now();
  }

  /** The exchange refused the order (or a lookup proved it never reached the book). */
  rejected(clientOrderId: string, why: string): void {
    const order = this.#orders.get(clientOrderId);
    if (!order) return;
    order.phase = 'rejected';
    order.note = why;
    order.updatedAt = this.#deps.now();
  }

  /** A report from a lookup or a cancel answer. */
  report(report: OrderReport): void {
    const order = this.#find(report.clientOrderId, report.id, report.symbol);
    if (!order) return;
    if (report.id !== '') order.orderId = report.id;
    if (report.average !== null) order.average = report.average;
    this.#apply(order, report.status, report.filled, null);
  }

  /** A cancel was sent for this order. */
  cancelRequested(symbol: string, orderId: string): void {
    const order = this.#find(null, orderId, symbol);
    if (order) order.isCancelRequested = true;
  }

  /** The cancel was accepted (or the order was already gone) and the exchange gave no report. */
  cancelled(symbol: string, orderId: string): void {
    const order = this.#find(null, orderId, symbol);
    if (!order || FINAL.has(order.phase)) return;
    order.phase = 'cancelled';
    order.updatedAt = this.#deps.now();
  }

  /**
   * Folds one book listing of `symbol` in: orders on it are open (with their fills so far); orders of
   * ours it shows that we do not track (placed before a restart, recognised by their tag) are adopted.
   * Returns the tracked orders that should be on the book but are not, placed before `readAt`: their
   * fate needs a lookup (filled, cancelled, or — for a lost create — never placed).
   */
  book(symbol: string, listed: readonly OpenOrder[], readAt: number): TrackedOrder[] {
    const now = this.#deps.now();
    const seen = new Set<string>();
    for (const o of listed) {
      let order = this.#find(o.clientOrderId, o.id, symbol);
      if (!order) {
        order = {
          clientOrderId: o.clientOrderId ?? `order:${o.id}`,
          orderId: o.id,
          symbol: o.symbol,
          side: o.side,
          amount: o.amount,
          price: o.price,
          filled: 0,
          average: null,
          phase: 'open',
          note: 'found on the book',
          createdAt: o.timestamp || now,
          updatedAt: now,
          isCancelRequested: false,
        };
        this.#orders.set(order.clientOrderId, order);
      }
      order.orderId = o.id;
      seen.add(order.clientOrderId);
      this.#apply(order, 'open', o.filled, null);
    }
    return [...this.#orders.values()].filter(
      (o) => o.symbol === symbol && !seen.has(o.clientOrderId) && !FINAL.has(o.phase) && o.phase !== 'intent' && o.updatedAt <= readAt,
    );
  }

  /**
   * A tracked order left the book and no lookup can say how: ours to cancel → cancelled; otherwise it
   * filled (a resting limit order leaves the book by filling, unless someone cancels it).
   */
  leftBook(order: TrackedOrder): void {
    this.#apply(order, order.isCancelRequested ? 'cancelled' : 'filled', order.isCancelRequested ? order.filled : order.amount, null);
  }

  get(clientOrderId: string): TrackedOrder | undefined {
    return this.#orders.get(clientOrderId);
  }

  /** Orders not final yet (on the book, or whose fate is unknown). */
  live(symbol?: string): TrackedOrder[] {
    return [...this.#orders.values()].filter((o) => !FINAL.has(o.phase) && (symbol === undefined || o.symbol === symbol));
  }

  /** The instance's exposure in `symbol`, given the ledger's position there. */
  exposure(symbol: string, position: number): Exposure {
    const exposure: Exposure = { position, pending: 0, open: { buy: 0, sell: 0 } };
    for (const o of this.#orders.values()) {
      if (o.symbol !== symbol) continue;
      const inLedger = o.orderId === null ? 0 : this.#deps.ledgerFilled(o.symbol, o.orderId);
      const sign = o.side === 'buy' ? 1 : -1;
      exposure.pending += sign * Math.max(0, o.filled - inLedger);
      if (!FINAL.has(o.phase)) exposure.open[o.side] += Math.max(0, o.amount - Math.max(o.filled, inLedger));
    }
    return exposure;
  }

  /**
   * Fills the order answers reported that the ledger does not hold yet, one per order (the unsynced
   * part at the order's average price). Ids are `pending:<orderId>`: not the exchange's trade ids.
   */
  pendingFills(): Fill[] {
    const fills: Fill[] = [];
    for (const o of this.#orders.values()) {
      if (o.orderId === null || o.filled <= 0) continue;
      const missing = o.filled - this.#deps.ledgerFilled(o.symbol, o.orderId);
      if (missing <= o.amount * 1e-9) continue;
      const price = o.average ?? o.price;
      fills.push({
        id: `pending:${o.orderId}`,
        orderId: o.orderId,
        symbol: o.symbol,
        side: o.side,
        price,
        amount: missing,
        cost: missing * price,
        fees: [],
        timestamp: o.updatedAt,
        isMaker: null,
      });
    }
    return fills;
  }

  /** Forgets final orders the ledger has caught up with (or gave up on). */
  prune(): void {
    const now = this.#deps.now();
    for (const [id, o] of this.#orders) {
      if (!FINAL.has(o.phase)) continue;
      const inLedger = o.orderId === null ? 0 : this.#deps.ledgerFilled(o.symbol, o.orderId);
      const isSettled = o.filled - inLedger <= o.amount * 1e-9;
      if (now - o.updatedAt > (isSettled ? KEEP_SETTLED_MS : KEEP_UNSETTLED_MS)) this.#orders.delete(id);
    }
  }

  /** By client order id, else by the exchange's id — which is unique per symbol only (Binance numbers each symbol's orders from 1). */
  #find(clientOrderId: string | null, orderId: string | null, symbol: string): TrackedOrder | undefined {
    if (clientOrderId !== null) {
      const byClient = this.#orders.get(clientOrderId);
      if (byClient?.symbol === symbol) return byClient;
    }
    if (orderId === null || orderId === '') return undefined;
    for (const o of this.#orders.values()) if (o.orderId === orderId && o.symbol === symbol) return o;
    return undefined;
  }

  #apply(order: TrackedOrder, status: OrderReport['status'], filled: number, note: string | null): void {
    // Fills only grow; a final state is never reopened by a stale answer.
    if (Number.isFinite(filled)) order.filled = Math.min(order.amount, Math.max(order.filled, filled));
    if (!FINAL.has(order.phase)) {
      order.phase = status === 'open' ? (order.filled > 0 ? 'partially_filled' : 'open') : status === 'filled' ? 'filled' : status;
    }
    if (note !== null) order.note = note;
    order.updatedAt = this.#deps.now();
  }
}
