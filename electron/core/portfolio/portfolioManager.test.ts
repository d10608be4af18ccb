import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ledger } from '../ledger/ledger.ts';
import { PortfolioManager } from './portfolioManager.ts';

function setup(targets: Record<string, number> = {}) {
  const path = join(mkdtempSync(join(tmpdir(), 'pm-')), 'ledger.sqlite');
  const ledger = new Ledger(path);
  const pm = new PortfolioManager({ policy: 'target_weights', targets, ledger, now: () => 1_000 });
  return { pm, ledger, path };
}

describe('strategy status rules', () => {
  it('running and not paused → live; not running and live → stopped', () => {
    const { pm } = setup();
    expect(pm.add('a', true, 100).status).toBe('live');
    expect(pm.add('b', false, 100).status).toBe('stopped');
    pm.applyRules('a', false);
    expect(pm.get('a')?.status).toBe('stopped');
    pm.applyRules('a', true);
    expect(pm.get('a')?.status).toBe('live');
  });

  it('paused survives every sync and a stop/start of the instance', () => {
    const { pm } = setup();
    pm.add('a', true, 100);
    pm.pause('a', true);
    for (let i = 0; i < 5; i++) pm.applyRules('a', true);
    expect(pm.get('a')?.status).toBe('paused');
    pm.applyRules('a', false); // instance stopped
    expect(pm.get('a')?.status).toBe('paused');
    pm.applyRules('a', true); // and started again
    expect(pm.get('a')?.status).toBe('paused');
  });

  it('resume goes back to live when running, stopped when not', () => {
    const { pm } = setup();
    pm.add('a', true, 100);
    pm.add('b', false, 100);
    pm.pause('a', true);
    pm.pause('b', false);
    expect(pm.resume('a', true).status).toBe('live');
    expect(pm.resume('b', false).status).toBe('stopped');
  });

  it('paused survives a restart: a new manager on the same ledger restores it', () => {
    const { pm, ledger, path } = setup();
    pm.add('a', true, 100);
    pm.pause('a', true);
    ledger.close();
    const reopened = new Ledger(path);
    const again = new PortfolioManager({ policy: 'target_weights', targets: {}, ledger: reopened, now: () => 2_000 });
    expect(again.add('a', true, 100).status).toBe('paused');
    expect(reopened.strategyState('a')).toMatchObject({ status: 'paused', isRunning: true });
  });
});

describe('rebalance plan', () => {
  it('shares the live capital by target weight; paused and stopped keep theirs', () => {
    const { pm } = setup({ a: 0.6, b: 0.4, c: 0.5 });
    pm.add('a', true, 1000);
    pm.add('b', true, 3000);
    pm.add('c', true, 500);
    pm.pause('c', true);
    const plan = pm.plan('target_weights', true);
    expect(plan.totalCapital).toBe(4500);
    const byId = Object.fromEntries(plan.moves.map((m) => [m.id, m]));
    expect(byId['a']).toMatchObject({ before: 1000, after: 2400, move: 1400 });
    expect(byId['b']).toMatchObject({ before: 3000, after: 1600, move: -1400 });
    expect(byId['c']).toMatchObject({ before: 500, after: 500, move: 0, status: 'paused' });
    expect(plan.moves.reduce((s, m) => s + m.move, 0)).toBeCloseTo(0, 6);
    expect(pm.get('a')?.allocation).toBe(1000); // a dry run changes nothing
  });

  it('applies a plan to the budgets and persists them', () => {
    const { pm, ledger } = setup({ a: 1, b: 1 });
    pm.add('a', true, 1000);
    pm.add('b', true, 3000);
    const applied = pm.apply(pm.plan('target_weights', false), () => true);
    expect(applied.applied).toBe(true);
    expect(pm.get('a')?.allocation).toBe(2000);
    expect(ledger.strategyState('b')?.allocation).toBe(2000);
  });

  it('equal policy ignores targets', () => {
    const { pm } = setup({ a: 0.9, b: 0.1 });
    pm.add('a', true, 1000);
    pm.add('b', true, 3000);
    const plan = pm.plan('equal', true);
    expect(plan.moves.map((m) => m.after)).toEqual([2000, 2000]);
  });
});

describe('inverse volatility policy', () => {
  it('weights live strategies by 1/σ; unknown σ gets the median weight; paused keep their capital', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pm-')), 'ledger.sqlite');
    const vol: Record<string, number | null> = { a: 0.01, b: 0.02, c: null, d: 0.5 };
    const pm = new PortfolioManager({
      policy: 'inverse_volatility',
      targets: {},
      ledger: new Ledger(path),
      now: () => 1,
      volatility: (id) => vol[id] ?? null,
    });
    for (const id of ['a', 'b', 'c', 'd']) pm.add(id, true, 1000);
    pm.pause('d', true);
    const plan = pm.plan('inverse_volatility', true);
    const after = Object.fromEntries(plan.moves.map((m) => [m.id, m.after]));
    // weights 100, 50, median(100, 50) = 75 over 3000 movable
    expect(after['a']).toBeCloseTo(3000 * (100 / 225), 1);
    expect(after['b']).toBeCloseTo(3000 * (50 / 225), 1);
    expect(after['c']).toBeCloseTo(3000 * (75 / 225), 1);
    expect(after['d']).toBe(1000);
  });
});
