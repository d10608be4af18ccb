/**
 * Bybit funding by stream (issue 12): at each settlement Bybit v5's private `execution` topic pushes a
 * row with `execType: "Funding"`; the app reads the payment by REST at once through the one funding
 * path, as it does on Binance's ACCOUNT_UPDATE FUNDING_FEE. Judged against the simulator's own funding
 * record, with the host's REST timer (60 s) and slow gap read (6 min) far away.
 */
import { expect, it } from 'vitest';
import { bybitClient } from '../../sim/testClient.ts';
import { accountOn, fundingMarket, justNow, observer, simRig, sleep } from '../testing/simHost.ts';

const PERP = 'BTC/USDT:USDT';
const rig = simRig();

async function until(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

it('a funding settlement on a Bybit perpetual reaches the ledger within seconds by stream, counted once, never as a fill', async () => {
  const market = fundingMarket(13, 1500, 100_000);
  const sim = await rig.simulator({ ...market, accounts: (market.accounts ?? []).map((a) => ({ ...a, dialect: 'bybit' as const })) });
  const host = rig.host(sim, {
    syncIntervalMs: 60_000,
    streams: true,
    accounts: [{ ...accountOn(sim), exchange: 'bybit' }],
    instances: [observer('p', [PERP], Date.parse(justNow()))],
    start: true,
  });
  await until('the stream connected', () => host.streams?.isStreaming('p') === true, 15_000);
  const trader = bybitClient(sim.url, { apiKey: 'k', secret: 's' });
  rig.defer(() => trader.close());
  await trader.createOrder(PERP, 'market', 'sell', 0.01);
  await until('the fill by stream', () => host.ledger.fillsFor('p').length === 1, 5000);

  // The start's reconciliation reads the ledger again up to three times a second apart (settlements
  // every 1.5 s keep it ambiguous): past it, the next timed read is a minute away and the gap read 6 min.
  await sleep(4000);
  const from = sim.funding('k', PERP).length;
  await until('two settlements on the short', () => sim.funding('k', PERP).length >= from + 2, 10_000);
  const ledgerMatches = (): boolean => {
    const want = sim.funding('k', PERP).map((f) => `${f.time}|${f.amount.toFixed(8)}`);
    const have = host.ledger.fundingFor('p').map((f) => `${f.timestamp}|${f.amount.toFixed(8)}`);
    return JSON.stringify(want) === JSON.stringify(have);
  };
  // Within seconds of the settlement (the stream's row asks for the read), where the timer would take 60 s.
  await until('ledger funding = the simulator’s', ledgerMatches, 3000);
  const paid = sim.funding('k', PERP);
  expect(paid.length).toBeGreaterThanOrEqual(from + 2);
  expect(paid.every((f) => f.amount > 0)).toBe(true); // a short receives at a positive rate
  const total = paid.reduce((s, f) => s + f.amount, 0);
  expect(host.ledger.fundingFor('p').reduce((s, f) => s + f.amount, 0)).toBeCloseTo(total, 8);
  // The Funding rows were not stored as fills: the ledger holds the one trade the simulator made.
  expect(host.ledger.fillsFor('p')).toHaveLength(sim.perpTrades('k', PERP).length);
  expect(host.ledger.countFills()).toBe(1);
  expect(host.streams?.isFundingStreamed('p')).toBe(true);
}, 40_000);
