/**
 * Test support: a simulator and a Host on it the way the engine, sync and reconcile tests start them
 * (real ccxt on loopback, a real SQLite ledger in a temp folder), closed after each test, last first.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../sim/simulator.ts';
import { createCcxtSession } from '../exchange/ccxtSession.ts';
import type { ExchangeSession } from '../exchange/types.ts';
import { WeightBudgetRegistry } from '../exchange/weightBudget.ts';
import { Host, type HostOptions } from '../host/host.ts';
import { silentLogger } from '../log.ts';
import { parseWorkspace } from '../workspace/workspace.ts';

export type Cleanup = () => Promise<void> | void;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A fresh temp folder named after its test. */
export const tempDir = (prefix: string): string => mkdtempSync(join(tmpdir(), prefix));

/** The one account most tests trade on: Binance, key `k`, secret `s`, id `a` in the workspace. */
export const accountOn = (sim: Simulator, id = 'a', credentials = { apiKey: 'k', secret: 's' }) => ({
  id,
  exchange: 'binance',
  apiBaseUrl: sim.url,
  credentials,
});

export interface SimHostSpec {
  syncIntervalMs: number;
  /** Workspace instances as written in a file (validated by `parseWorkspace`). */
  instances: unknown[];
  /** Default: the one account `accountOn(sim)`. */
  accounts?: unknown[];
  /** Default: a new temp folder. */
  dataDir?: string;
  sessionFactory?: HostOptions['sessionFactory'];
  /** Start the host's loops at once (default false). */
  start?: boolean;
  /** Private and public streams on, as both shells run the host (default off). */
  streams?: boolean;
  /** Shorter stream timings for a test (e.g. `quoteIdleMs`). */
  streamTiming?: HostOptions['streamTiming'];
}

export interface SimRig {
  /** Runs `fn` after the current test, before what was deferred earlier. */
  defer(fn: Cleanup): void;
  /** A simulator on a free port, closed after the test. */
  simulator(options: Omit<SimulatorOptions, 'port'>): Promise<Simulator>;
  /** A Host on `sim`, closed after the test. */
  host(sim: Simulator, spec: SimHostSpec): Host;
  /**
   * A session of a simulator account as a trader would look at it (default key `k`, BTC/USDT): the
   * judge's eyes. It has its own weight budget, so the app's traffic never delays what the test reads.
   */
  judge(sim: Simulator, options?: { credentials?: { apiKey: string; secret: string }; symbols?: string[] }): ExchangeSession;
}

/** Call once at a test file's top level: it registers the `afterEach` that closes what the tests opened. */
export function simRig(): SimRig {
  const cleanups: Cleanup[] = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });
  const defer = (fn: Cleanup): void => {
    cleanups.push(fn);
  };
  return {
    defer,
    async simulator(options) {
      const sim = await startSimulator({ port: 0, ...options });
      defer(() => sim.close());
      return sim;
    },
    host(sim, spec) {
      const h = new Host({
        workspace: parseWorkspace({
          version: 2,
          syncIntervalMs: spec.syncIntervalMs,
          accounts: spec.accounts ?? [accountOn(sim)],
          instances: spec.instances,
        }),
        dataDir: spec.dataDir ?? tempDir('sim-host-'),
        log: silentLogger,
        ...(spec.sessionFactory ? { sessionFactory: spec.sessionFactory } : {}),
        ...(spec.streams === true ? { streams: true } : {}),
        ...(spec.streamTiming ? { streamTiming: spec.streamTiming } : {}),
      });
      defer(() => h.close());
      if (spec.start === true) h.start();
      return h;
    },
    judge(sim, options = {}) {
      const session = createCcxtSession({
        account: { id: 'judge', exchange: 'binance', apiBaseUrl: sim.url },
        credentials: options.credentials ?? { apiKey: 'k', secret: 's' },
        symbols: options.symbols ?? ['BTC/USDT'],
        budgets: new WeightBudgetRegistry(),
      });
      defer(() => session.close());
      return session;
    },
  };
}

/** A start time just behind now, so a new instance owns every fill the test makes. */
export const justNow = (): string => new Date(Date.now() - 1000).toISOString();

/** An instance that places nothing and owns every fill of its symbols since `startTime` (a bot run elsewhere). */
export const observer = (id: string, symbols: string[], startTime: number = Date.now() - 1000, account = 'a') => ({
  id,
  type: 'fixed_spread',
  account,
  mode: 'observe',
  symbols,
  startTime: new Date(startTime).toISOString(),
});

/** Funding of 0.03 % an interval (shorts receive), settling every `fundingIntervalMs`; account `k` holds `usdt` in spot and in futures. */
export const fundingMarket = (seed: number, fundingIntervalMs: number, usdt: number): Omit<SimulatorOptions, 'port'> => ({
  seed,
  tickMs: 50,
  fundingIntervalMs,
  fundingRate: { mean: 0.0003, sd: 0.00001 },
  accounts: [{ apiKey: 'k', secret: 's', balances: { USDT: usdt }, futuresUsdt: usdt }],
});
