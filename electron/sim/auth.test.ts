import ccxt from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { verifySigned } from './auth.ts';
import { BinanceError } from './errors.ts';
import { startSimulator, type Simulator } from './simulator.ts';
import { binanceClient } from './testClient.ts';

// The worked examples from Binance's "SIGNED endpoint examples for POST /api/v3/order".
const DOC_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const DOC_SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
const DOC_TS = 1499827319559;
const ALL_IN_BODY = 'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';
const ALL_IN_BODY_SIG = 'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71';
const MIXED_QUERY = 'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC';
const MIXED_BODY = 'quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';
const MIXED_SIG = '0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77';

const secretOf = (key: string): string | undefined => (key === DOC_KEY ? DOC_SECRET : undefined);
const params = (raw: string): Record<string, string> => Object.fromEntries(new URLSearchParams(raw));

function verify(rawQuery: string, rawBody: string, overrides: { apiKey?: string; now?: number } = {}): string {
  return verifySigned(
    {
      apiKey: overrides.apiKey ?? DOC_KEY,
      rawQuery,
      rawBody,
      params: params(`${rawQuery}&${rawBody}`),
      now: overrides.now ?? DOC_TS + 100,
    },
    secretOf,
  );
}

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof BinanceError) return error.code;
    throw error;
  }
  return undefined;
}

describe('verifySigned', () => {
  it("accepts Binance's documented signatures: all in the body, in the query, and split between both", () => {
    expect(verify('', `${ALL_IN_BODY}&signature=${ALL_IN_BODY_SIG}`)).toBe(DOC_KEY);
    expect(verify(`${ALL_IN_BODY}&signature=${ALL_IN_BODY_SIG}`, '')).toBe(DOC_KEY);
    expect(verify(MIXED_QUERY, `${MIXED_BODY}&signature=${MIXED_SIG}`)).toBe(DOC_KEY);
  });

  it('rejects a tampered parameter, a missing signature, and unknown or missing keys', () => {
    const tampered = ALL_IN_BODY.replace('quantity=1', 'quantity=2');
    expect(codeOf(() => verify('', `${tampered}&signature=${ALL_IN_BODY_SIG}`))).toBe(-1022);
    expect(codeOf(() => verify('', ALL_IN_BODY))).toBe(-1102);
    expect(codeOf(() => verify('', `${ALL_IN_BODY}&signature=${ALL_IN_BODY_SIG}`, { apiKey: 'other' }))).toBe(-2015);
    expect(codeOf(() => verify('', `${ALL_IN_BODY}&signature=${ALL_IN_BODY_SIG}`, { apiKey: '' }))).toBe(-2014);
  });

  it('honours timestamp and recvWindow', () => {
    const body = `${ALL_IN_BODY}&signature=${ALL_IN_BODY_SIG}`;
    expect(codeOf(() => verify('', body, { now: DOC_TS + 5000 }))).toBeUndefined();
    expect(codeOf(() => verify('', body, { now: DOC_TS + 5001 }))).toBe(-1021);
    expect(codeOf(() => verify('', body, { now: DOC_TS - 1000 }))).toBe(-1021);
    expect(codeOf(() => verify('', body, { now: DOC_TS - 999 }))).toBeUndefined();
  });
});

describe('signed requests through ccxt', () => {
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('maps a clock outside recvWindow to InvalidNonce, either way round', async () => {
    for (const skew of [-60_000, 60_000]) {
      const s = await startSimulator({ autoTick: false, now: () => Date.now() + skew, accounts: [{ apiKey: 'k', secret: 's' }] });
      sim = s;
      const ex = binanceClient(s.url, { apiKey: 'k', secret: 's' });
      await ex.loadMarkets();
      await expect(ex.fetchBalance()).rejects.toBeInstanceOf(ccxt.InvalidNonce);
      ex.options['timeDifference'] = -skew;
      await expect(ex.fetchBalance()).resolves.toMatchObject({ info: { accountType: 'SPOT' } });
      await s.close();
    }
  });

  it('rejects recvWindow above 60000 as Binance does', async () => {
    sim = await startSimulator({ autoTick: false, accounts: [{ apiKey: 'k', secret: 's' }] });
    const ex = binanceClient(sim.url, { apiKey: 'k', secret: 's' });
    await expect(ex.privateGetAccount({ recvWindow: 60001 })).rejects.toThrow(/-1131/);
    await expect(ex.privateGetAccount({ recvWindow: 60000 })).resolves.toMatchObject({ canTrade: true });
  });
});
