/**
 * A real Host for the stream benchmarks (issue 12), the way the shells run it: private streams on,
 * REST on the host's own rule, `n` fixed-spread instances, instance i on account i % accounts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Host } from '../electron/core/host/host.ts';
import type { WeightBudgetRegistry } from '../electron/core/exchange/weightBudget.ts';
import { silentLogger } from '../electron/core/log.ts';
import { fleetWorkspace } from './streamFleet.ts';

export interface HostDeskOptions {
  n: number;
  accounts: { url: string; apiKey: string; secret: string }[];
  syncIntervalMs: number;
  mode: 'live' | 'observe';
  symbols?: (i: number) => string[];
  budgets?: WeightBudgetRegistry;
  /** Every account's exchange (default binance). */
  exchange?: 'binance' | 'bybit';
  /** Private streams (default on); off, the host polls REST on `syncIntervalMs` as before streams. */
  streams?: boolean;
}

/** Starts the host and resolves once every instance streams (or after 60 s), with the connect-time gap reads settled. */
export async function openHostDesk(options: HostDeskOptions): Promise<{ host: Host; dataDir: string; streaming: () => number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-host-'));
  const host = new Host({
    workspace: fleetWorkspace({
      n: options.n,
      accounts: options.accounts,
      syncIntervalMs: options.syncIntervalMs,
      idPrefix: 'mm',
      mode: options.mode,
      params: { spreadBps: 20, orderFraction: 0.0001, intervalMs: 2000, capital: 10_000 },
      ...(options.exchange ? { exchange: options.exchange } : {}),
      ...(options.symbols ? { symbols: options.symbols } : {}),
    }),
    dataDir,
    log: silentLogger,
    streams: options.streams ?? true,
    ...(options.budgets ? { budgets: options.budgets } : {}),
  });
  host.start();
  const streaming = (): number => host.engine.all().filter((i) => host.streams?.isStreaming(i.id)).length;
  const end = Date.now() + 60_000;
  while (options.streams !== false && streaming() < options.n && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 2000));
  return { host, dataDir, streaming };
}
