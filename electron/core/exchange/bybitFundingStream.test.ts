/**
 * Bybit funding by stream (issue 12): at each settlement Bybit v5's private `execution` topic pushes a
 * row with `execType: "Funding"`; the app reads the payment by REST at once through the one funding
 * path, as it does on Binance's ACCOUNT_UPDATE FUNDING_FEE. Judged against the simulator's own funding
 * record, with the host's REST timer (60 s) and slow gap read (6 min) far away.
 */
import { describe, expect, it } from 'vitest';
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

/**
 * A Bybit account short one perpetual fill (seen by stream), observed with the host's REST timer a minute
 * away, once the start's reconciliation is past: it reads the ledger again up to three times a second
 * apart (settlements every 1.5 s keep it ambiguous); after it the next timed read is a minute away and
 * the gap read 6 min, so only the stream's Funding rows can ask for a read.
 */
async function shortOnBybit() {
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
  await sleep(4000);
  return { sim, host };
}

it('a funding settlement on a Bybit perpetual reaches the ledger within seconds by stream, counted once, never as a fill', async () => {
  const { sim, host } = await shortOnBybit();
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

/**
 * The failure rows of that path: the REST read a Funding row asks for is refused (503) or rate-limited
 * (429, Retry-After 1 s) on every try while the fault lasts. Nothing may be lost or counted twice: the
 * payments settled meanwhile land once the fault clears (the next settlement's row asks again, the read
 * resumes at the cursor), judged against the simulator's funding record.
 */
describe('a funding read the exchange refuses', () => {
  for (const kind of ['503', '429'] as const) {
    it(`(${kind} on every execution read) loses no payment and counts none twice once it clears`, async () => {
      const { sim, host } = await shortOnBybit();
      const ledgerKey = (): string[] => host.ledger.fundingFor('p').map((f) => `${f.timestamp}|${f.amount.toFixed(8)}`);
      const simKey = (): string[] => sim.funding('k', PERP).map((f) => `${f.time}|${f.amount.toFixed(8)}`);
      await until(
        'ledger funding = the simulator’s before the fault',
        () => JSON.stringify(ledgerKey()) === JSON.stringify(simKey()),
        5000,
      );

      // The exchange refuses every read of the account's executions (fills and funding alike).
      sim.addFaults([{ id: 'down', kind, route: '/v5/execution/list', apiKey: 'k', ...(kind === '429' ? { retryAfterSec: 1 } : {}) }]);
      const before = sim.funding('k', PERP).length;
      await until('two settlements during the fault', () => sim.funding('k', PERP).length >= before + 2, 10_000);
      await sleep(500);
      // The fault bit: the stream's rows asked, the reads were refused, the ledger is behind the exchange.
      expect(host.ledger.fundingFor('p').length).toBeLessThan(sim.funding('k', PERP).length);
      const faulted = sim.faults().find((f) => f.id === 'down');
      expect(faulted?.fired ?? 0).toBeGreaterThan(0);

      sim.clearFaults('down');
      await until('ledger funding = the simulator’s after the fault', () => JSON.stringify(ledgerKey()) === JSON.stringify(simKey()), 6000);
      // Each payment once: as many rows as the exchange paid, and the same total.
      const paid = sim.funding('k', PERP);
      expect(host.ledger.fundingFor('p')).toHaveLength(paid.length);
      expect(host.ledger.fundingFor('p').reduce((sum, f) => sum + f.amount, 0)).toBeCloseTo(
        paid.reduce((sum, f) => sum + f.amount, 0),
        8,
      );
      expect(host.ledger.countFills()).toBe(1);
    }, 60_000);
  }
});
