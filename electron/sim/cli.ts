/**
 * `node electron/sim/cli.ts --port N [--seed S] [--tick-ms MS] [--host H]`
 * Starts the simulator with one demo account and prints, last, the line scripts wait for:
 * `stratdesk-sim listening on http://127.0.0.1:PORT`.
 */

import { parseArgs } from 'node:util';
import { startSimulator } from './simulator.ts';

const DEMO_ACCOUNT = {
  apiKey: 'demo-key',
  secret: 'demo-secret',
  balances: { USDT: 100000, BTC: 1, ETH: 10, SOL: 200 },
} as const;

function intOption(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`stratdesk-sim: --${name} must be a non-negative integer, got "${text}"`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      seed: { type: 'string' },
      'tick-ms': { type: 'string' },
      host: { type: 'string' },
    },
    strict: true,
  });
  const tickMs = intOption('tick-ms', values['tick-ms'], 250);
  if (tickMs === 0) {
    console.error('stratdesk-sim: --tick-ms must be positive');
    process.exit(2);
  }
  const sim = await startSimulator({
    port: intOption('port', values.port, 0),
    seed: intOption('seed', values.seed, 1),
    tickMs,
    ...(values.host !== undefined ? { host: values.host } : {}),
    accounts: [{ apiKey: DEMO_ACCOUNT.apiKey, secret: DEMO_ACCOUNT.secret, balances: { ...DEMO_ACCOUNT.balances } }],
  });
  console.log(`stratdesk-sim demo account: apiKey=${DEMO_ACCOUNT.apiKey} secret=${DEMO_ACCOUNT.secret}`);
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
