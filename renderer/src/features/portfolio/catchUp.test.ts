import { describe, expect, it } from 'vitest';
import { catchUpLabel, catchUpLine, clampProgress, formatProgress, formatReadTo, summarizeCatchUp } from './catchUp.ts';
import { NOT_A_FIGURE } from '../../format.ts';
import { makeHealth, makeStrategy } from '../../testFixtures.ts';

function catchingUp(id: string, progress: number, readTo: string) {
  return makeStrategy(id, { health: makeHealth({ catchUp: { progress, readTo } }) });
}

describe('formatProgress', () => {
  it('shows whole percent with a space, rounded down so an unfinished catch-up never reads 100 %', () => {
    expect(formatProgress(0)).toBe('0 %');
    expect(formatProgress(0.4349)).toBe('43 %');
    expect(formatProgress(0.999)).toBe('99 %');
    expect(formatProgress(1)).toBe('100 %');
  });

  it('clamps what is out of range and shows a dash for what is not a number', () => {
    expect(formatProgress(-0.2)).toBe('0 %');
    expect(formatProgress(1.7)).toBe('100 %');
    expect(formatProgress(Number.NaN)).toBe(NOT_A_FIGURE);
    expect(clampProgress(Number.POSITIVE_INFINITY)).toBe(0);
    expect(clampProgress(0.5)).toBe(0.5);
  });
});

describe('formatReadTo', () => {
  it('is short enough for the health cell: the day while more than a day behind, then the time (UTC)', () => {
    const now = Date.parse('2026-11-20T10:00:00Z');
    expect(formatReadTo('2026-11-18T04:05:59.000Z', now)).toBe('read to 11-18');
    expect(formatReadTo('2026-11-19T09:59:00Z', now)).toBe('read to 11-19');
    expect(formatReadTo('2026-11-19T10:30:00Z', now)).toBe('read to 10:30');
    expect(formatReadTo('2026-11-20T11:30:00+02:00', now)).toBe('read to 09:30');
  });

  it('passes through what it cannot parse rather than inventing a time', () => {
    expect(formatReadTo('soon', 0)).toBe('read to soon');
  });

  it('has the full timestamp and the share in the tooltip line', () => {
    expect(catchUpLine({ readTo: '2026-11-18T04:05:59.000Z', progress: 0.43 })).toBe(
      'Catching up: history read to 2026-11-18 04:05:59 UTC (43 %)',
    );
  });
});

describe('summarizeCatchUp', () => {
  it('counts the instances catching up, averages their share and finds the oldest read-to time', () => {
    const strategies = [catchingUp('a', 0.2, '2026-11-10T00:00:00Z'), makeStrategy('b'), catchingUp('c', 0.66, '2026-11-01T00:00:00Z')];
    const byId = Object.fromEntries(strategies.map((s) => [s.id, s]));
    const summary = summarizeCatchUp(['a', 'b', 'c'], byId);
    expect(summary.count).toBe(2);
    expect(summary.progress).toBeCloseTo(0.43, 10);
    expect(summary.oldestReadTo).toBe('2026-11-01T00:00:00Z');
    expect(catchUpLabel(summary)).toBe('catching up 2 instances \u2014 43 %');
  });

  it('says nothing when nothing is catching up, and the singular for one', () => {
    const byId = { a: makeStrategy('a') };
    const none = summarizeCatchUp(['a', 'missing'], byId);
    expect(none).toEqual({ count: 0, progress: 0, oldestReadTo: null });
    expect(catchUpLabel(none)).toBe('');
    const one = summarizeCatchUp(['x'], { x: catchingUp('x', 0.05, '2026-11-19T12:00:00Z') });
    expect(catchUpLabel(one)).toBe('catching up 1 instance \u2014 5 %');
  });

  it('does not let a bad share from one instance poison the mean', () => {
    const byId = { a: catchingUp('a', Number.NaN, 'bad'), b: catchingUp('b', 0.5, '2026-11-19T12:00:00Z') };
    const summary = summarizeCatchUp(['a', 'b'], byId);
    expect(summary.progress).toBeCloseTo(0.25, 10);
    expect(summary.oldestReadTo).toBe('2026-11-19T12:00:00Z');
  });
});
