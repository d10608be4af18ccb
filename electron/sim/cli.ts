/**
 * `node electron/sim/cli.ts --port N [--seed S] [--tick-ms MS] [--host H]
 *    [--funding-interval-ms MS] [--fault "route=/api/v3/myTrades,kind=429,rate=0.1"]...`
 *
 * Starts the simulator with two demo accounts (one Binance, one Bybit; spot balances plus a
 * 100 000 USDT futures wallet each) and prints, last, the line scripts wait for:
 * `stratdesk-sim listening on http://127.0.0.1:PORT`.
 *
 * Demo-friendly defaults: a tick every 250 ms and funding every 30 s (the library's default is the
 * exchanges' 8 h). `--fault` may repeat; see faults.ts for the keys. Faults can also be changed while
 * it runs: `curl -X POST URL/__sim/faults -d '{"kind":"429","route":"/api/v3/*","rate":0.2}'`,
 * `curl URL/__sim/faults`, `curl -X DELETE URL/__sim/faults`.
 */

import { parseArgs } from 'node:util';
import { FaultSpecError, parseFaultFlag, type FaultSpec } from './faults.ts';
import { DEMO_FUNDING_INTERVAL_MS, startSimulator } from './simulator.ts';

const BALANCES = { USDT: 100000, BTC: 1, ETH: 10, SOL: 200 } as const;
const FUTURES_USDT = 100000;
const DEMO_ACCOUNT = { apiKey: 'demo-key', secret: 'demo-secret' } as const;
const DEMO_BYBIT_ACCOUNT = { apiKey: 'demo-bybit-key', secret: 'demo-bybit-secret' } as const;

function fail(message: string): never {
  console.error(`stratdesk-sim: ${message}`);
  process.exit(2);
}

function intOption(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) fail(`--${name} must be a non-negative integer, got "${text}"`);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      seed: { type: 'string' },
      'tick-ms': { type: 'string' },
      host: { type: 'string' },
      'funding-interval-ms': { type: 'string' },
      fault: { type: 'string', multiple: true },
    },
    strict: true,
  });
  const tickMs = intOption('tick-ms', values['tick-ms'], 250);
  if (tickMs === 0) fail('--tick-ms must be positive');
  const fundingIntervalMs = intOption('funding-interval-ms', values['funding-interval-ms'], DEMO_FUNDING_INTERVAL_MS);
  if (fundingIntervalMs === 0) fail('--funding-interval-ms must be positive');
  const faults: FaultSpec[] = [];
  for (const text of values.fault ?? []) {
    try {
      faults.push(parseFaultFlag(text));
    } catch (error) {
      if (error instanceof FaultSpecError) fail(`--fault "${text}": ${error.message}`);
      throw error;
    }
  }
  const sim = await startSimulator({
    port: intOption('port', values.port, 0),
    seed: intOption('seed', values.seed, 1),
    tickMs,
    fundingIntervalMs,
    faults,
    ...(values.host !== undefined ? { host: values.host } : {}),
    accounts: [
      { ...DEMO_ACCOUNT, balances: { ...BALANCES }, futuresUsdt: FUTURES_USDT },
      { ...DEMO_BYBIT_ACCOUNT, dialect: 'bybit', balances: { ...BALANCES }, futuresUsdt: FUTURES_USDT },
    ],
  });
  console.log(`stratdesk-sim demo account: apiKey=${DEMO_ACCOUNT.apiKey} secret=${DEMO_ACCOUNT.secret}`);
  console.log(`stratdesk-sim bybit demo account: apiKey=${DEMO_BYBIT_ACCOUNT.apiKey} secret=${DEMO_BYBIT_ACCOUNT.secret}`);
  console.log(`stratdesk-sim funding every ${fundingIntervalMs} ms; ${faults.length} fault(s) active; control at ${sim.url}/__sim/faults`);
  console.log(`stratdesk-sim listening on ${sim.url}`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void sim.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error('stratdesk-sim: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
