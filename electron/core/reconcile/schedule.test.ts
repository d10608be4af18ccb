import { describe, expect, it } from 'vitest';
import type { Result } from '../../../shared/contract.ts';
import type { Reconciliation } from '../../../shared/model.ts';
import { ManualClock } from '../clock.ts';
import { ReconcileSchedule } from './schedule.ts';

const answer = (account: string, ok: boolean): Result<Reconciliation> => ({
  ok: true,
  value: { account, asOf: '', ok, assets: [], positions: [], unattributed: [], movements: [], notes: [] },
});

describe('the slow reconciliation timer', () => {
  it('reconciles every account at start and every interval, one at a time; keeps the latest; stops', async () => {
    const clock = new ManualClock();
    const calls: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const seen: string[] = [];
    const schedule = new ReconcileSchedule({
      clock,
      intervalMs: 60_000,
      accounts: () => ['a', 'b'],
      run: async (id) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        calls.push(id);
        await Promise.resolve();
        inFlight--;
        if (id === 'b' && calls.length > 2) throw new Error('boom');
        return answer(id, id === 'a');
      },
      onResult: (id, r) => seen.push(`${id}:${r.ok ? String(r.value.ok) : r.error.code}`),
    });
    schedule.start();
    await clock.advance(0);
    expect(calls).toEqual(['a', 'b']);
    expect(maxInFlight).toBe(1);
    await clock.advance(59_000);
    expect(calls).toHaveLength(2);
    await clock.advance(1_000);
    expect(calls).toEqual(['a', 'b', 'a', 'b']);
    // A throwing run is kept as an internal error; the timer goes on.
    expect(seen).toEqual(['a:true', 'b:false', 'a:true', 'b:internal']);
    expect(schedule.latest('b')?.ok).toBe(false);
    expect(schedule.latest('c')).toBeNull();
    await schedule.stop();
    await clock.advance(120_000);
    expect(calls).toHaveLength(4);
  });
});
