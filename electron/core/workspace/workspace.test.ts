import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkspaceFile, parseWorkspace, WorkspaceError } from './workspace.ts';

// Verbatim from DESIGN.md: this must load as written.
const DESIGN_EXAMPLE = {
  version: 2,
  syncIntervalMs: 5000,
  accounts: [
    { id: 'sim', exchange: 'binance', apiBaseUrl: 'http://127.0.0.1:9000', credentials: { apiKey: 'k1', secret: 's1' } },
    { id: 'main', exchange: 'bybit', credentials: { vault: 'bybit-main' } },
  ],
  instances: [
    {
      id: 'mm-btc',
      type: 'fixed_spread',
      account: 'sim',
      mode: 'observe',
      symbols: ['BTC/USDT'],
      startTime: '2026-11-20T00:00:00Z',
      autoStart: true,
      params: {},
    },
    {
      id: 'arb-btc',
      type: 'funding_rate',
      account: 'main',
      mode: 'live',
      symbols: ['BTC/USDT', 'BTC/USDT:USDT'],
      startTime: '2026-11-01T00:00:00Z',
      params: {},
    },
  ],
  portfolio: { policy: 'target_weights', targets: { 'mm-btc': 0.5, 'arb-btc': 0.5 } },
};

const LEGACY_EXAMPLE = {
  strategy: 'fixed_spread',
  symbol: 'BTC/USDT',
  startTime: '2026-11-20T00:00:00Z',
  exchange: { id: 'binance', apiBaseUrl: 'http://127.0.0.1:9000', apiKey: 'k1', secret: 's1' },
  params: {},
};

describe('workspace file', () => {
  it('loads the DESIGN.md example as written', () => {
    const ws = parseWorkspace(DESIGN_EXAMPLE);
    expect(ws.accounts.map((a) => a.id)).toEqual(['sim', 'main']);
    expect(ws.instances.map((i) => [i.id, i.mode])).toEqual([
      ['mm-btc', 'observe'],
      ['arb-btc', 'live'],
    ]);
    expect(ws.instances[1]?.autoStart).toBe(true);
    expect(ws.portfolio.targets).toEqual({ 'mm-btc': 0.5, 'arb-btc': 0.5 });
  });

  it('migrates a legacy single-strategy file to account "default" and one live instance named after the type', () => {
    const ws = parseWorkspace(LEGACY_EXAMPLE);
    expect(ws.version).toBe(2);
    expect(ws.accounts).toEqual([
      { id: 'default', exchange: 'binance', apiBaseUrl: 'http://127.0.0.1:9000', credentials: { apiKey: 'k1', secret: 's1' } },
    ]);
    expect(ws.instances).toHaveLength(1);
    expect(ws.instances[0]).toMatchObject({
      id: 'fixed_spread',
      type: 'fixed_spread',
      account: 'default',
      mode: 'live',
      symbols: ['BTC/USDT'],
    });
  });

  it('refuses inline keys for a non-loopback exchange, naming the field', () => {
    const bad = structuredClone(DESIGN_EXAMPLE);
    bad.accounts[0] = {
      id: 'sim',
      exchange: 'binance',
      apiBaseUrl: 'https://api.binance.com',
      credentials: { apiKey: 'k1', secret: 's1' },
    };
    expect(() => parseWorkspace(bad)).toThrow(/accounts\.0\.credentials: inline credentials are accepted only with a loopback/);
  });

  it('names unknown accounts, duplicate ids and unsupported versions', () => {
    const unknown = structuredClone(DESIGN_EXAMPLE);
    unknown.instances[0]!.account = 'nope';
    expect(() => parseWorkspace(unknown)).toThrow(/unknown account "nope"/);
    const dup = structuredClone(DESIGN_EXAMPLE);
    dup.instances[1]!.id = 'mm-btc';
    expect(() => parseWorkspace(dup)).toThrow(/duplicate instance id/);
    expect(() => parseWorkspace({ ...DESIGN_EXAMPLE, version: 3 })).toThrow(/unsupported workspace version 3/);
  });

  it('reports a corrupt file clearly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-'));
    writeFileSync(join(dir, 'w.json'), '{"version": 2, "accounts": [');
    await expect(loadWorkspaceFile(join(dir, 'w.json'))).rejects.toThrow(WorkspaceError);
    await expect(loadWorkspaceFile(join(dir, 'w.json'))).rejects.toThrow(/not valid JSON/);
    await expect(loadWorkspaceFile(join(dir, 'missing.json'))).rejects.toThrow(/cannot read workspace/);
  });
});
