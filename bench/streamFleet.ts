/**
 * Parent side of the stream and scale benchmarks: starts `simFleet.ts` in its own process and builds
 * real instances (observe mode, real ccxt REST sessions), a real ledger, PortfolioSync and StreamSync
 * over it, the way the host wires them (issue 12).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { systemClock } from '../electron/core/clock.ts';
import { StrategyInstance } from '../electron/core/engine/botEngine.ts';
import { createCcxtAccountStream } from '../electron/core/exchange/ccxtStreams.ts';
import { createCcxtSession } from '../electron/core/exchange/ccxtSession.ts';
import type { WeightBudgetRegistry } from '../electron/core/exchange/weightBudget.ts';
import { Ledger } from '../electron/core/ledger/ledger.ts';
import { silentLogger } from '../electron/core/log.ts';
import { PortfolioSync } from '../electron/core/sync/portfolioSync.ts';
import { StreamSync } from '../electron/core/sync/streamSync.ts';
import { parseWorkspace, type AccountConfig, type Workspace } from '../electron/core/workspace/workspace.ts';
import { watchDeps } from '../electron/core/testing/watchDeps.ts';

export interface Fleet {
  urls: string[];
  keys: string[][];
  /** RATE fills per second for SECONDS on the simulators; resolves with how many were made. */
  go(rate: number, seconds: number): Promise<number>;
  /** CPU time (user + system, ms) the simulators' process has used so far (Linux /proc; NaN elsewhere). */
  cpuMs(): number;
  stop(): void;
}

export async function startFleet(
  sims: number,
  accounts: number,
  latencyMs = 0,
  tickMs = 250,
  exchange: 'binance' | 'bybit' = 'binance',
): Promise<Fleet> {
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, 'simFleet.ts'), String(sims), String(accounts), String(latencyMs), String(tickMs), exchange],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout });
  const waiters: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiters.shift()?.(line));
  const next = (): Promise<string> => new Promise((resolve) => waiters.push(resolve));
  const ready = await next();
  const { urls, keys } = JSON.parse(ready.replace(/^ready /, '')) as { urls: string[]; keys: string[][] };
  return {
    urls,
    keys,
    async go(rate, seconds) {
      child.stdin.write(`go ${rate} ${seconds}\n`);
      return Number((await next()).replace(/^done /, ''));
    },
    cpuMs: () => processCpuMs(child.pid),
    stop: () => child.kill('SIGTERM'),
  };
}

/** utime + stime of another process from /proc/PID/stat (clock ticks of 10 ms on Linux). */
function processCpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), counted from the state field (3rd).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

export interface Desk {
  instances: StrategyInstance[];
  ledger: Ledger;
  rest: PortfolioSync;
  streams: StreamSync | null;
  close(): Promise<void>;
}

/**
 * The benches' workspace: one account per fleet host (`acc-i`), `n` fixed-spread instances
 * (`<idPrefix>-i`) on account i % accounts, started a second ago.
 */
export function fleetWorkspace(o: {
  n: number;
  accounts: { url: string; apiKey: string; secret: string }[];
  syncIntervalMs: number;
  idPrefix: string;
  mode: 'live' | 'observe';
  params: Record<string, unknown>;
  exchange?: 'binance' | 'bybit';
  symbols?: (i: number) => string[];
}): Workspace {
  const startTime = new Date(Date.now() - 1000).toISOString();
  return parseWorkspace({
    version: 2,
    syncIntervalMs: o.syncIntervalMs,
    accounts: o.accounts.map((a, i) => ({
      id: `acc-${i}`,
      exchange: o.exchange ?? 'binance',
      apiBaseUrl: a.url,
      credentials: { apiKey: a.apiKey, secret: a.secret },
    })),
    instances: Array.from({ length: o.n }, (_, i) => ({
      id: `${o.idPrefix}-${i}`,
      type: 'fixed_spread',
      account: `acc-${i % o.accounts.length}`,
      mode: o.mode,
      symbols: o.symbols?.(i) ?? ['BTC/USDT'],
      startTime,
      params: o.params,
    })),
    portfolio: { policy: 'target_weights', targets: {} },
  });
}

/**
 * `n` observe instances on BTC/USDT, instance i on account i % accounts.length; `streams` adds a
 * StreamSync whose gap reads go to the PortfolioSync (as the host will wire it).
 */
export async function openDesk(options: {
  n: number;
  accounts: { url: string; apiKey: string; secret: string }[];
  /** The accounts' exchange; default binance. */
  exchange?: 'binance' | 'bybit';
  intervalMs: number;
  streams: boolean;
  budgets?: WeightBudgetRegistry;
  symbols?: (i: number) => string[];
  startRest?: boolean;
}): Promise<Desk> {
  const workspace = fleetWorkspace({
    n: options.n,
    accounts: options.accounts,
    syncIntervalMs: options.intervalMs,
    idPrefix: 'obs',
    mode: 'observe',
    params: {},
    ...(options.exchange ? { exchange: options.exchange } : {}),
    ...(options.symbols ? { symbols: options.symbols } : {}),
  });
  const byId = new Map<string, AccountConfig>(workspace.accounts.map((a) => [a.id, a]));
  const creds = (accountId: string): { apiKey: string; secret: string } => {
    const a = options.accounts[Number(accountId.replace('acc-', ''))];
    if (a === undefined) throw new Error(`no account ${accountId}`);
    return { apiKey: a.apiKey, secret: a.secret };
  };
  const ledger = new Ledger(join(mkdtempSync(join(tmpdir(), 'bench-streams-')), 'ledger.sqlite'));
  const deps = watchDeps(ledger);
  const sessions = workspace.instances.map((config) => {
    const account = byId.get(config.account);
    if (account === undefined) throw new Error('no account');
    return createCcxtSession({
      account,
      credentials: creds(config.account),
      symbols: config.symbols,
      ...(options.budgets ? { budgets: options.budgets } : {}),
    });
  });
  const instances = workspace.instances.map((config, i) => new StrategyInstance(config, sessions[i] ?? null, null, deps));
  const rest = new PortfolioSync({
    clock: systemClock,
    ledger,
    log: silentLogger,
    intervalMs: options.intervalMs,
    instances: () => instances,
  });
  const streams = options.streams
    ? new StreamSync({
        clock: systemClock,
        ledger,
        instances: () => instances,
        openStream: (accountId, symbols) => {
          const account = byId.get(accountId);
          if (account === undefined) return Promise.resolve(null);
          return createCcxtAccountStream({
            account,
            credentials: creds(accountId),
            symbols,
            ...(options.budgets ? { budgets: options.budgets } : {}),
          });
        },
        onFills: () => {},
        requestRestSync: (ids) => void rest.syncNow(ids),
      })
    : null;
  await Promise.all(sessions.map((s) => s.loadMarkets()));
  if (options.startRest !== false) rest.start();
  if (streams) {
    await streams.start();
    const end = Date.now() + 30_000;
    while (instances.some((i) => !streams.isStreaming(i.id)) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  }
  return {
    instances,
    ledger,
    rest,
    streams,
    async close() {
      await streams?.stop();
      await rest.stop();
      await Promise.all(sessions.map((s) => s.close()));
      ledger.close();
    },
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
