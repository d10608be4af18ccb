/**
 * Private streams of one exchange account (DESIGN.md, "Sync": streams first, REST fills the gaps).
 * The core depends on this interface; `ccxtStreams.ts` implements it with ccxt.pro's WebSocket API.
 *
 * A stream reports what it sees and nothing more: a fill it delivers is the exchange's own (stored
 * once whatever path brought it), but a stream never proves that nothing was missed — every
 * (re)connect is followed by a REST read of the gap, and a slow REST timer keeps running.
 */
import type { Fill } from './types.ts';

/** The account's stream per market type, in ccxt's words ('future' = Binance USDⓈ-M, Bybit linear). */
export type StreamMarket = 'spot' | 'future';

export interface StreamSink {
  /** Subscribed (the exchange confirmed it): fills from now on arrive here; what came before needs REST. */
  connected(market: StreamMarket): void;
  /** Dropped, refused or found dead; the stream reconnects by itself with backoff. */
  disconnected(market: StreamMarket, reason: string): void;
  /** Could not connect or subscribe (e.g. the exchange refused the key); said once until it connects. It keeps retrying. */
  failed?(market: StreamMarket, reason: string): void;
  /** Fills as the exchange pushed them, normalised exactly as the REST path does (normalize.ts). */
  fills(market: StreamMarket, fills: Fill[]): void;
  /** Funding was paid on the account: the event names no payment id, so REST reads the payment. */
  funding(market: StreamMarket): void;
  /** A fill the stream could not store as is (e.g. a fee in a third asset that must be priced first). */
  needsRest(market: StreamMarket, reason: string): void;
}

/** One market's connection as the stream sees it. */
export interface StreamLinkState {
  isConnected: boolean;
  /** When the connection last changed state (ms). */
  since: number;
  /** Last sign of life: a message or a pong (ms); null before the first. */
  lastAliveAt: number | null;
  reconnects: number;
  lastError: string | null;
}

export interface AccountStream {
  readonly exchangeId: string;
  readonly accountId: string;
  readonly markets: readonly StreamMarket[];
  /**
   * False when the stream never says funding was paid: the account's perpetual funding arrives only
   * by REST reads. Absent = it does (Binance's ACCOUNT_UPDATE, Bybit's `execType: "Funding"` row).
   */
  readonly reportsFunding?: boolean;
  start(sink: StreamSink): void;
  link(market: StreamMarket): StreamLinkState;
  /** Drops the connection (a stall was seen); it reconnects on its own. */
  reconnect(market: StreamMarket, reason: string): void;
  stop(): Promise<void>;
}
