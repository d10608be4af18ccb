/**
 * Child process for the stream and scale benchmarks: `sims` simulators (each its own host:port, so
 * its own weight budget and markets), `accounts` Binance accounts on each, optional fixed latency on
 * every REST request (the simulator's own latency fault). Prints one line `ready {"urls":[…],"keys":[[…]…]}`.
 * On stdin, `go RATE SECONDS` makes RATE fills per second (spot market orders no app placed,
 * `drift`), round-robin over every account, for SECONDS, then prints `done N`.
 * `node bench/simFleet.ts SIMS ACCOUNTS [LATENCY_MS] [TICK_MS] [binance|bybit]` (the accounts' dialect, default binance)
 */
import { createInterface } from 'node:readline';
import { startSimulator, type Simulator } from '../electron/sim/simulator.ts';

const sims = Number(process.argv[2] ?? 1);
const accounts = Number(process.argv[3] ?? 1);
const latencyMs = Number(process.argv[4] ?? 0);
/** 0 = no market ticks (a scale run needs no price moves, and a hundred ticking markets would slow the exchange side). */
const tickMs = Number(process.argv[5] ?? 250);
const dialect: 'binance' | 'bybit' = process.argv[6] === 'bybit' ? 'bybit' : 'binance';

const fleet: Simulator[] = [];
const keys: string[][] = [];
for (let s = 0; s < sims; s++) {
  const specs = Array.from({ length: accounts }, (_, a) => ({
    apiKey: `k${s}-${a}`,
    secret: `s${s}-${a}`,
    balances: { USDT: 10_000_000, BTC: 100 },
    futuresUsdt: 10_000_000,
    dialect,
  }));
  fleet.push(
    await startSimulator({
      seed: 5 + s,
      ...(tickMs > 0 ? { tickMs } : { autoTick: false }),
      accounts: specs,
      ...(latencyMs > 0 ? { faults: [{ kind: 'latency' as const, route: '/*', latency: { dist: 'fixed' as const, ms: latencyMs } }] } : {}),
    }),
  );
  keys.push(specs.map((a) => a.apiKey));
}
console.log(`ready ${JSON.stringify({ urls: fleet.map((f) => f.url), keys })}`);

const all = fleet.flatMap((sim, s) => (keys[s] ?? []).map((apiKey) => ({ sim, apiKey })));
let turn = 0;
createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, rate = '10', seconds = '10'] = line.trim().split(/\s+/);
  if (cmd !== 'go') return;
  const every = 1000 / Number(rate);
  const end = Date.now() + Number(seconds) * 1000;
  let made = 0;
  const timer = setInterval(() => {
    if (Date.now() >= end) {
      clearInterval(timer);
      console.log(`done ${made}`);
      return;
    }
    const target = all[turn++ % all.length];
    if (target === undefined) return;
    target.sim.drift({ kind: 'trade', apiKey: target.apiKey, symbol: 'BTC/USDT', side: made % 2 === 0 ? 'buy' : 'sell', amount: 0.001 });
    made++;
  }, every);
});
process.on('SIGTERM', () => {
  void Promise.all(fleet.map((f) => f.close())).then(() => process.exit(0));
});
