import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ccxtExchangeIds } from './exchangeIds.ts';
import { loadWorkspaceFile, parseWorkspace, validateWorkspace, WorkspaceError, type FieldError } from './workspace.ts';

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
  portfolio: { policy: 'target_weights', targets: { 'mm-btc': 0.5, 'arb-btc': 0.5 } as Record<string, number> },
};

const LEGACY_EXAMPLE = {
  strategy: 'fixed_spread',
  symbol: 'BTC/USDT',
  startTime: '2026-11-20T00:00:00Z',
  exchange: { id: 'binance', apiBaseUrl: 'http://127.0.0.1:9000', apiKey: 'k1', secret: 's1' },
  params: {},
};

function fieldsOf(raw: unknown): FieldError[] {
  const checked = validateWorkspace(raw);
  return checked.ok ? [] : checked.fields;
}

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

  it('accepts what the old format allowed: a name, the exchange as a plain id, testnet, extra exchange options', () => {
    const plain = validateWorkspace({ ...LEGACY_EXAMPLE, name: 'old bot', exchange: 'binance' });
    expect(plain).toMatchObject({ ok: true, workspace: { name: 'old bot', accounts: [{ id: 'default', exchange: 'binance' }] } });
    const testnet = validateWorkspace({
      ...LEGACY_EXAMPLE,
      exchange: { id: 'bybit', testnet: true, vault: 'bybit-test', enableRateLimit: true, options: { defaultType: 'spot' } },
    });
    expect(testnet.ok).toBe(true);
    if (!testnet.ok) return;
    expect(testnet.workspace.accounts[0]).toEqual({
      id: 'default',
      exchange: 'bybit',
      sandbox: true,
      credentials: { vault: 'bybit-test' },
    });
    expect(testnet.notes.join(' ')).toMatch(/enableRateLimit, options/);
  });

  it('refuses inline keys for a real exchange with the exact vault command that moves them, never echoing them', () => {
    const legacy = validateWorkspace({ ...LEGACY_EXAMPLE, exchange: { id: 'binance', apiKey: 'REALKEY123', secret: 'REALSECRET456' } });
    expect(legacy.ok).toBe(false);
    const legacyFields = legacy.ok ? [] : legacy.fields;
    expect(legacyFields).toEqual([{ path: 'exchange.apiKey', message: expect.stringContaining('`npm run vault -- add binance-default`') }]);
    expect(legacyFields[0]?.message).toContain('"credentials": { "vault": "binance-default" }');
    expect(JSON.stringify(legacyFields)).not.toMatch(/REALKEY123|REALSECRET456/);

    const bad = structuredClone(DESIGN_EXAMPLE);
    bad.accounts[0] = {
      id: 'sim',
      exchange: 'binance',
      apiBaseUrl: 'https://api.binance.com',
      credentials: { apiKey: 'k1', secret: 's1' },
    };
    expect(fieldsOf(bad)).toEqual([
      { path: 'accounts[0].credentials', message: expect.stringContaining('`npm run vault -- add binance-sim`') },
    ]);
    expect(() => parseWorkspace(bad)).toThrow(/accounts\[0\]\.credentials: inline keys are accepted only for a loopback/);
  });

  it('refuses an exchange id ccxt does not know, suggesting the close one', () => {
    const bad = structuredClone(DESIGN_EXAMPLE);
    bad.accounts[1]!.exchange = 'bybitt';
    expect(fieldsOf(bad)).toEqual([
      { path: 'accounts[1].exchange', message: 'unknown exchange "bybitt": not a ccxt exchange id (did you mean "bybit"?)' },
    ]);
    expect(fieldsOf({ ...LEGACY_EXAMPLE, exchange: 'nowhere' })).toEqual([
      { path: 'exchange', message: expect.stringMatching(/^unknown exchange "nowhere"/) },
    ]);
  });

  it("reads ccxt's exchange list without loading ccxt, and it is ccxt's own list", async () => {
    const { default: ccxt } = await import('ccxt');
    expect([...ccxtExchangeIds()].sort()).toEqual([...ccxt.exchanges].sort());
  }, 30_000);

  it('refuses a target naming no instance, and targets that do not add up to 1', () => {
    const ghost = structuredClone(DESIGN_EXAMPLE);
    ghost.portfolio.targets = { 'mm-btc': 0.5, ghost: 0.5 };
    expect(fieldsOf(ghost)).toEqual([
      { path: 'portfolio.targets.ghost', message: 'names no instance: "ghost" is not among "mm-btc", "arb-btc"' },
    ]);
    const short = structuredClone(DESIGN_EXAMPLE);
    short.portfolio.targets = { 'mm-btc': 0.5, 'arb-btc': 0.4 };
    expect(fieldsOf(short)).toEqual([{ path: 'portfolio.targets', message: 'must add up to 1 (they add up to 0.9)' }]);
    const thirds = structuredClone(DESIGN_EXAMPLE);
    thirds.portfolio.targets = { 'mm-btc': 1 / 3, 'arb-btc': 2 / 3 };
    expect(validateWorkspace(thirds).ok).toBe(true);
    const none = structuredClone(DESIGN_EXAMPLE);
    none.portfolio.targets = {};
    expect(validateWorkspace(none).ok).toBe(true);
  });

  it("refuses a param that is unknown, of the wrong type or out of its strategy's range", () => {
    const bad = structuredClone(DESIGN_EXAMPLE) as typeof DESIGN_EXAMPLE & { instances: { params: Record<string, unknown> }[] };
    bad.instances[0]!.params = { spreadBps: -5, spredBps: 10 };
    bad.instances[1]!.params = { capital: 'lots', legFraction: 0.9 };
    const fields = fieldsOf(bad);
    expect(fields).toContainEqual({ path: 'instances[0].params.spreadBps', message: 'must be a number above 0, up to 10000 bps' });
    expect(fields).toContainEqual({
      path: 'instances[0].params.spredBps',
      message: expect.stringMatching(/^unknown param for fixed_spread \(it takes spreadBps, /),
    });
    expect(fields).toContainEqual({
      path: 'instances[1].params.capital',
      message: 'must be a number above 0, up to 1000000000000 in the quote currency',
    });
    expect(fields).toContainEqual({
      path: 'instances[1].params.legFraction',
      message: 'must be a number above 0, up to 0.5 (a share: 0.5 = 50 %)',
    });
    expect(fields).toHaveLength(4);

    const inverted = structuredClone(DESIGN_EXAMPLE) as typeof DESIGN_EXAMPLE & { instances: { params: Record<string, unknown> }[] };
    inverted.instances[1]!.params = { entryApr: 0.05, exitApr: 0.08 };
    expect(fieldsOf(inverted)).toEqual([
      { path: 'instances[1].params.exitApr', message: expect.stringMatching(/^must be below entryApr \(0\.05\)/) },
    ]);
    const whole = structuredClone(DESIGN_EXAMPLE) as typeof DESIGN_EXAMPLE & { instances: { params: Record<string, unknown> }[] };
    whole.instances[0]!.params = { intervalMs: 250.5 };
    expect(fieldsOf(whole)).toEqual([{ path: 'instances[0].params.intervalMs', message: 'must be a whole number from 100 to 3600000 ms' }]);
    // The legacy file's own field names.
    expect(fieldsOf({ ...LEGACY_EXAMPLE, params: { spreadBps: -5 } })).toEqual([{ path: 'params.spreadBps', message: expect.any(String) }]);
  });

  it('refuses a start time without a zone (New York and Tokyo would count different fills)', () => {
    for (const [startTime, isOk] of [
      ['2026-11-20T00:00:00Z', true],
      ['2026-11-20T09:00:00+09:00', true],
      ['2026-11-20T00:00:00.250-05:00', true],
      ['2026-11-20T00:00:00', false],
      ['2026-11-20', false],
      ['yesterday', false],
    ] as const) {
      const ws = structuredClone(DESIGN_EXAMPLE);
      ws.instances[0]!.startTime = startTime;
      expect(validateWorkspace(ws).ok, startTime).toBe(isOk);
      if (!isOk) expect(fieldsOf(ws).map((f) => f.path)).toEqual(['instances[0].startTime']);
    }
    const ws = structuredClone(DESIGN_EXAMPLE);
    ws.instances[0]!.startTime = '2026-11-20T00:00:00';
    expect(fieldsOf(ws)[0]?.message).toMatch(/has no time zone: add Z \(UTC\) or an offset like \+02:00/);
    expect(fieldsOf({ ...LEGACY_EXAMPLE, startTime: '2026-11-20T00:00:00' }).map((f) => f.path)).toEqual(['startTime']);
  });

  it('refuses an instance whose symbols report in different currencies (BTC would be added to USDT)', () => {
    for (const [symbols, isOk] of [
      [['BTC/USDT', 'BTC/USDT:USDT'], true],
      [['BTC/USD', 'BTC/USD:USD'], true],
      [['BTC/USD:BTC', 'ETH/USD:ETH'], false],
      [['BTC/USDT', 'BTC/USD:BTC'], false],
      [['BTC/USDT', 'ETH/BTC'], false],
    ] as const) {
      const ws = structuredClone(DESIGN_EXAMPLE);
      ws.instances[1]!.symbols = [...symbols];
      expect(validateWorkspace(ws).ok, symbols.join(' + ')).toBe(isOk);
      if (!isOk) expect(fieldsOf(ws).map((f) => f.path)).toEqual(['instances[1].symbols']);
    }
    const ws = structuredClone(DESIGN_EXAMPLE);
    ws.instances[1]!.symbols = ['BTC/USDT', 'BTC/USD:BTC'];
    expect(fieldsOf(ws)[0]?.message).toBe(
      'the symbols report in different currencies (BTC/USDT in USDT, BTC/USD:BTC in BTC): one instance reports in one currency, so put each in its own instance',
    );
  });

  it('names an instance on no account, duplicate ids and unsupported versions', () => {
    const unknown = structuredClone(DESIGN_EXAMPLE);
    unknown.instances[0]!.account = 'nope';
    expect(fieldsOf(unknown)).toEqual([{ path: 'instances[0].account', message: 'names no account: "nope" is not among "sim", "main"' }]);
    const dup = structuredClone(DESIGN_EXAMPLE);
    dup.instances[1]!.id = 'mm-btc';
    dup.accounts[1]!.id = 'sim';
    dup.instances[1]!.account = 'sim';
    dup.portfolio.targets = { 'mm-btc': 1 };
    expect(fieldsOf(dup)).toEqual([
      { path: 'accounts[1].id', message: 'duplicate account id "sim"' },
      { path: 'instances[1].id', message: 'duplicate instance id "mm-btc"' },
    ]);
    expect(fieldsOf({ ...DESIGN_EXAMPLE, version: 3 })).toEqual([
      { path: 'version', message: 'unsupported workspace version 3 (this app reads 1 and 2)' },
    ]);
  });

  it('names every mistake at once, shape and rules together', () => {
    const bad = structuredClone(DESIGN_EXAMPLE) as unknown as Record<string, unknown> & typeof DESIGN_EXAMPLE;
    bad.accounts[1]!.exchange = 'binanse';
    (bad.instances[0] as Record<string, unknown>)['mode'] = 'yolo';
    bad.instances[1]!.startTime = '2026-11-01T00:00:00';
    bad['colour'] = 'blue';
    expect(fieldsOf(bad).map((f) => f.path)).toEqual(['instances[0].mode', 'colour', 'accounts[1].exchange', 'instances[1].startTime']);
  });

  it('reports a corrupt file clearly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-'));
    writeFileSync(join(dir, 'w.json'), '{"version": 2, "accounts": [');
    await expect(loadWorkspaceFile(join(dir, 'w.json'))).rejects.toThrow(WorkspaceError);
    await expect(loadWorkspaceFile(join(dir, 'w.json'))).rejects.toThrow(/not valid JSON/);
    await expect(loadWorkspaceFile(join(dir, 'missing.json'))).rejects.toThrow(/cannot read workspace/);
  });
});
