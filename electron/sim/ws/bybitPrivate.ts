/**
 * Bybit v5's private stream (`/v5/private`) as ccxt.pro `bybit` reaches it: `{"op":"auth","args":
 * [apiKey, expires, signature]}` with signature = hex HMAC-SHA256(secret, "GET/realtime" + expires)
 * and `expires` still in the future; `{"op":"subscribe","args":[topics]}` for `execution`, `order`,
 * `position`, `wallet`; `{"op":"ping"}` answered with `op: "pong"` (not while stalled: the ping is
 * the only keep-alive ccxt sends to Bybit). One connection carries spot and linear alike: rows say
 * their `category`.
 *
 * Events come from the same walk over the engines' records as Binance's (walk.ts), after every
 * request and tick; connections, fan-out and faults are userStreams.ts's.
 */

import {
  fundingFill,
  isSignedBy,
  linearFill,
  linearOrderRow,
  spotFill,
  spotOrderRow,
  unifiedWallet,
  type BybitContext,
  type BybitFill,
} from '../bybit.ts';
import type { Order, SimTrade } from '../orders.ts';
import type { PerpOrder, PerpTrade } from '../perpEngine.ts';
import type { Json } from '../format.ts';
import { BYBIT_TOPICS, inCategory, opAnswer, pong, positionRow, type BybitTopic } from './bybitEvents.ts';
import { walkOrders, type Seen } from './walk.ts';

export const BYBIT_PRIVATE_PATH = '/v5/private';

export interface BybitSession {
  connId: string;
  /** The key the connection authenticated with; null before a successful `auth`. */
  apiKey: string | null;
  topics: Set<BybitTopic>;
}

/** What an account's stream has already reported (userStreams.ts's tracker). */
export interface BybitTracker {
  trades: number;
  perpTrades: number;
  funding: number;
  orders: Map<string, Seen>;
  perpOrders: Map<string, Seen>;
}

const isTopic = (value: unknown): value is BybitTopic => BYBIT_TOPICS.includes(value as BybitTopic);

/** Why an `auth` is refused, or null when the key, the signature and the expiry hold. */
function authRefusal(ctx: BybitContext, args: readonly unknown[]): string | null {
  const [apiKey, expires, signature] = args;
  if (typeof apiKey !== 'string' || typeof signature !== 'string') return 'missing key or signature';
  const account = ctx.engine.account(apiKey);
  if (account === undefined || account.dialect !== 'bybit') return 'unknown key';
  const expiresText = String(expires as string | number);
  if (!isSignedBy(account.secret, `GET/realtime${expiresText}`, signature)) return 'bad signature';
  if (!(Number(expiresText) > ctx.now())) return 'expired';
  return null;
}

/** One client frame → the answer to send, or null for none (a ping while stalled). */
export function answerBybitFrame(ctx: BybitContext, session: BybitSession, text: string, isStalled: boolean): Json | null {
  let frame: { op?: unknown; args?: unknown; req_id?: unknown };
  try {
    frame = JSON.parse(text) as typeof frame;
  } catch {
    return opAnswer('', false, 'error:invalid op', session.connId);
  }
  const op = typeof frame.op === 'string' ? frame.op : '';
  const args: unknown[] = Array.isArray(frame.args) ? (frame.args as unknown[]) : [];
  const reqId = frame.req_id;
  if (op === 'ping') return isStalled ? null : pong(session.connId, ctx.now(), reqId);
  if (op === 'auth') {
    if (authRefusal(ctx, args) !== null) return opAnswer('auth', false, 'Params Error', session.connId, reqId);
    session.apiKey = args[0] as string;
    return opAnswer('auth', true, '', session.connId, reqId);
  }
  if (op === 'subscribe' || op === 'unsubscribe') {
    if (session.apiKey === null) return opAnswer(op, false, 'Request not authorized', session.connId, reqId);
    const unknown = args.find((a) => !isTopic(a));
    if (unknown !== undefined) return opAnswer(op, false, `error:handler not found,topic:${String(unknown)}`, session.connId, reqId);
    for (const topic of args.filter(isTopic)) {
      if (op === 'subscribe') session.topics.add(topic);
      else session.topics.delete(topic);
    }
    return opAnswer(op, true, '', session.connId, reqId);
  }
  return opAnswer(op, false, 'error:invalid op', session.connId, reqId);
}

/**
 * Sends what a Bybit account did since the last scan: one `execution` per fill, one `execution` row
 * with `execType: "Funding"` per funding settlement (as Bybit pushes it at each settlement: the row
 * REST's execution list shows, ccxt issue #17244), then the orders that changed (their state now),
 * the positions that moved (fills or funding) and the wallet.
 */
export function scanBybit(ctx: BybitContext, apiKey: string, t: BybitTracker, send: (topic: BybitTopic, rows: () => Json[]) => void): void {
  const { engine, perp } = ctx;
  const orders = new Map<string, () => Json>();
  const moved = new Set<string>();
  let isWalletChanged = false;

  /** One category's orders and fills: an execution per fill, each touched order's state (sent after), the wallet. */
  const walk = <O extends Order | PerpOrder, T extends SimTrade | PerpTrade>(
    category: 'spot' | 'linear',
    seen: Map<string, Seen>,
    open: readonly O[],
    fresh: readonly T[],
    orderOf: (symbol: string, orderId: number) => O,
    rows: { order: (o: O) => Json; fill: (t: T) => BybitFill },
  ): void => {
    const touch = (o: O): void => {
      orders.set(`${category}:${o.symbol}:${o.orderId}`, () => inCategory(category, rows.order(o)));
    };
    walkOrders(seen, open, fresh, orderOf, {
      created: touch,
      trade: (o, _seen, trade) => {
        send('execution', () => [inCategory(category, rows.fill(trade).row())]);
        touch(o);
        if (category === 'linear') moved.add(trade.symbol);
        isWalletChanged = true;
      },
      final: (o) => {
        touch(o);
        isWalletChanged = true;
      },
    });
  };

  const spotTrades = engine.trades(apiKey);
  const spotFresh = spotTrades.slice(t.trades);
  t.trades = spotTrades.length;
  walk('spot', t.orders, engine.openOrders(apiKey), spotFresh, (symbol, orderId) => engine.getOrder(apiKey, symbol, { orderId }), {
    order: (o) => spotOrderRow(ctx, o),
    fill: (trade) => spotFill(ctx, apiKey, trade),
  });

  if (perp.has(apiKey)) {
    const perpTrades = perp.trades(apiKey);
    const perpFresh = perpTrades.slice(t.perpTrades);
    t.perpTrades = perpTrades.length;
    walk('linear', t.perpOrders, perp.openOrders(apiKey), perpFresh, (symbol, orderId) => perp.getOrder(apiKey, symbol, { orderId }), {
      order: (o) => linearOrderRow(ctx, o),
      fill: (trade) => linearFill(ctx, trade),
    });
    const funding = perp.funding(apiKey);
    const settled = funding.slice(t.funding);
    t.funding = funding.length;
    if (settled.length > 0) {
      send('execution', () => settled.map((f) => inCategory('linear', fundingFill(ctx, f).row())));
      for (const f of settled) moved.add(f.symbol);
      isWalletChanged = true;
    }
  }

  if (orders.size > 0) send('order', () => [...orders.values()].map((row) => row()));
  if (moved.size > 0)
    send('position', () =>
      perp
        .positions(apiKey)
        .filter((p) => moved.has(p.spec.id))
        .map((p, i) => positionRow(p, i + 1)),
    );
  if (isWalletChanged) send('wallet', () => [unifiedWallet(ctx, apiKey)]);
}
