import { describe, expect, it } from 'vitest';
import type { WorkspaceDocument } from '../../../../shared/model.ts';
import {
  checkDraft,
  cloneInstance,
  equalShares,
  joinStartTime,
  removeInstance,
  renameInstance,
  setParam,
  splitStartTime,
  targetSum,
} from './setupModel.ts';

function doc(overrides: Partial<WorkspaceDocument> = {}): WorkspaceDocument {
  return {
    version: 2,
    syncIntervalMs: 1000,
    accounts: [{ id: 'sim', exchange: 'binance', credentials: { vault: 'main' } }],
    instances: [
      {
        id: 'mm-btc',
        type: 'fixed_spread',
        account: 'sim',
        mode: 'paper',
        symbols: ['BTC/USDT'],
        startTime: '2026-11-20T00:00:00Z',
        params: {},
      },
      {
        id: 'mm-eth',
        type: 'fixed_spread',
        account: 'sim',
        mode: 'paper',
        symbols: ['ETH/USDT'],
        startTime: '2026-11-20T00:00:00Z',
        params: {},
      },
    ],
    portfolio: { policy: 'target_weights', targets: { 'mm-btc': 0.5, 'mm-eth': 0.5 } },
    ...overrides,
  };
}

describe('set-up checks (before anything is sent)', () => {
  it('passes a valid document', () => {
    expect(checkDraft(doc())).toEqual([]);
  });

  it('names each bad field the way the host does', () => {
    const d = doc();
    const bad: WorkspaceDocument = {
      ...d,
      instances: [
        { ...d.instances[0]!, params: { spreadBps: -5, bogus: 1 }, startTime: '2026-11-20T00:00:00' },
        { ...d.instances[1]!, id: 'mm-btc', account: 'nowhere', symbols: [] },
      ],
      portfolio: { policy: 'target_weights', targets: { 'mm-btc': 0.7, ghost: 0.2 } },
    };
    const paths = checkDraft(bad).map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'instances[0].params.spreadBps',
        'instances[0].params.bogus',
        'instances[0].startTime',
        'instances[1].id',
        'instances[1].account',
        'instances[1].symbols',
        'portfolio.targets.ghost',
        'portfolio.targets',
      ]),
    );
    // The params' wording comes from their one home (shared/strategyParams.ts).
    expect(checkDraft(bad).find((e) => e.path === 'instances[0].params.spreadBps')?.message).toBe(
      'must be a number above 0, up to 10000 bps',
    );
  });

  it('refuses targets that do not add up to 100 %, and equal shares always do', () => {
    expect(checkDraft(doc({ portfolio: { policy: 'target_weights', targets: { 'mm-btc': 0.5, 'mm-eth': 0.4 } } }))[0]).toMatchObject({
      path: 'portfolio.targets',
      message: 'must add up to 1 (100 %); they add up to 90 %',
    });
    for (const n of [1, 2, 3, 6, 7, 9]) {
      const shares = equalShares(Array.from({ length: n }, (_, i) => `s${i}`));
      expect(Math.abs(targetSum(shares) - 1)).toBeLessThanOrEqual(1e-12);
    }
  });
});

describe('set-up edits', () => {
  it('clones under a fresh id with its own start time, and removal drops the target', () => {
    const d = doc();
    const clone = cloneInstance(d, d.instances[0]!, Date.parse('2026-12-04T16:20:31Z'));
    expect(clone).toMatchObject({ id: 'mm-btc-2', symbols: ['BTC/USDT'], startTime: '2026-12-04T16:20:00Z' });
    expect(removeInstance(d, 0).portfolio.targets).toEqual({ 'mm-eth': 0.5 });
    expect(renameInstance(d, 1, 'mm-eth-2').portfolio.targets).toEqual({ 'mm-btc': 0.5, 'mm-eth-2': 0.5 });
  });

  it('keeps a param typed as text so the check names it, and an empty one falls back to its default', () => {
    const inst = doc().instances[0]!;
    expect(setParam(inst, 'spreadBps', 'lots').params).toEqual({ spreadBps: 'lots' });
    expect(setParam(setParam(inst, 'spreadBps', '12'), 'spreadBps', '').params).toEqual({});
  });

  it('splits and joins a start time with its zone', () => {
    expect(splitStartTime('2026-11-20T09:00:00.000+09:00')).toEqual({ local: '2026-11-20T09:00:00', zone: '+09:00' });
    expect(joinStartTime('2026-11-20T09:00', 'Z')).toBe('2026-11-20T09:00:00Z');
  });
});
