/**
 * Binance's SIGNED endpoint check: the `X-MBX-APIKEY` header names the account, and `signature` is
 * the hex HMAC-SHA256, keyed by the account's secret, of "query string + request body" exactly as
 * sent (Binance concatenates the two without a separator) with the `signature` pair itself removed.
 * The raw bytes are used, never re-encoded parameters: any re-encoding would accept signatures the
 * real exchange rejects.
 */

import { createHmac, timingSafeEqual } from 'node:crypto';
import { errors } from './errors.ts';

export interface SignedRequest {
  apiKey: string | undefined;
  rawQuery: string;
  rawBody: string;
  params: Readonly<Record<string, string>>;
  now: number;
}

const DEFAULT_RECV_WINDOW = 5000;
const MAX_RECV_WINDOW = 60000;
/** Binance accepts timestamps up to one second ahead of its clock. */
const MAX_AHEAD_MS = 1000;

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // A malformed escape cannot be a valid hex signature; let the comparison reject it.
    return text;
  }
}

/** Splits off the `signature` pair, keeping every other byte of the string as sent. */
function withoutSignature(raw: string): { rest: string; signature: string | undefined } {
  if (raw === '') return { rest: '', signature: undefined };
  let signature: string | undefined;
  const kept: string[] = [];
  for (const pair of raw.split('&')) {
    if (pair.startsWith('signature=')) signature = safeDecode(pair.slice('signature='.length));
    else kept.push(pair);
  }
  return { rest: kept.join('&'), signature };
}

export function sign(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

/** Throws the BinanceError the real exchange would answer with; returns the account's key. */
export function verifySigned(request: SignedRequest, secretOf: (apiKey: string) => string | undefined): string {
  const apiKey = request.apiKey;
  if (apiKey === undefined || apiKey === '') throw errors.apiKeyFormat();
  const secret = secretOf(apiKey);
  if (secret === undefined) throw errors.invalidApiKey();

  const query = withoutSignature(request.rawQuery);
  const body = withoutSignature(request.rawBody);
  const given = query.signature ?? body.signature;
  if (given === undefined || given === '') throw errors.mandatory('signature');
  const expected = Buffer.from(sign(query.rest + body.rest, secret), 'utf8');
  const actual = Buffer.from(given.toLowerCase(), 'utf8');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw errors.badSignature();

  const timestampText = request.params['timestamp'];
  if (timestampText === undefined || !/^[0-9]{1,20}$/.test(timestampText)) throw errors.mandatory('timestamp');
  const timestamp = Number(timestampText);
  const recvWindowText = request.params['recvWindow'];
  let recvWindow = DEFAULT_RECV_WINDOW;
  if (recvWindowText !== undefined) {
    if (!/^[0-9]{1,20}(\.[0-9]{1,3})?$/.test(recvWindowText)) throw errors.illegalChars('recvWindow');
    recvWindow = Number(recvWindowText);
    if (recvWindow > MAX_RECV_WINDOW) throw errors.recvWindowTooLarge();
  }
  if (timestamp >= request.now + MAX_AHEAD_MS) throw errors.aheadOfServer();
  if (request.now - timestamp > recvWindow) throw errors.outsideRecvWindow();
  return apiKey;
}
