/**
 * The embedded default (DESIGN.md): with no workspace, an exchange simulator starts on loopback and
 * three fixed-spread instances trade against it through real ccxt — two sharing one account on
 * different symbols, one on a second account. No keys needed.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_FUNDING_INTERVAL_MS, startSimulator, type Simulator } from '../sim/simulator.ts';
import { parseWorkspace, type Workspace } from '../core/workspace/workspace.ts';

export interface Demo {
  workspace: Workspace;
  simulator: Simulator;
  /** The demo's own data folder: wiped at each start, since the simulated exchange starts afresh too. */
  dataDir: string;
}

export interface DemoOptions {
  dataDir: string;
  seed?: number;
  syncIntervalMs?: number;
}

const ACCOUNTS = [
  { id: 'demo-main', apiKey: 'demo-main-key', secret: 'demo-main-secret-0001' },
  { id: 'demo-alt', apiKey: 'demo-alt-key', secret: 'demo-alt-secret-0002' },
];

export async function startDemo(options: DemoOptions): Promise<Demo> {
  const simulator = await startSimulator({
    port: 0,
    seed: options.seed ?? 42,
    accounts: ACCOUNTS.map((a) => ({
      apiKey: a.apiKey,
      secret: a.secret,
      balances: { USDT: 100_000, BTC: 2, ETH: 30, SOL: 500 },
      futuresUsdt: 100_000,
    })),
    // Perpetuals fund every 30 s here (8 h on the real exchanges) so a funding arbitrage added to the demo shows money quickly.
    fundingIntervalMs: DEMO_FUNDING_INTERVAL_MS,
  });
  const dataDir = join(options.dataDir, 'demo');
  rmSync(dataDir, { recursive: true, force: true });
  const startTime = new Date(Date.now() - 60_000).toISOString();
  const instance = (id: string, account: string, symbol: string, capital: number) => ({
    id,
    type: 'fixed_spread',
    account,
    mode: 'live',
    symbols: [symbol],
    startTime,
    autoStart: true,
    params: { spreadBps: 10, requoteBps: 3, orderFraction: 0.05, intervalMs: 500, capital },
  });
  const workspace = parseWorkspace({
    version: 2,
    name: 'Demo (simulated exchange)',
    syncIntervalMs: options.syncIntervalMs ?? 2000,
    accounts: ACCOUNTS.map((a) => ({
      id: a.id,
      exchange: 'binance',
      apiBaseUrl: simulator.url,
      credentials: { apiKey: a.apiKey, secret: a.secret },
    })),
    instances: [
      instance('mm-btc', 'demo-main', 'BTC/USDT', 20_000),
      instance('mm-eth', 'demo-main', 'ETH/USDT', 10_000),
      instance('mm-sol', 'demo-alt', 'SOL/USDT', 10_000),
    ],
    portfolio: { policy: 'target_weights', targets: { 'mm-btc': 0.5, 'mm-eth': 0.25, 'mm-sol': 0.25 } },
  });
  return { workspace, simulator, dataDir };
}
