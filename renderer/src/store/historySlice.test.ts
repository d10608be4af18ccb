import { describe, expect, it } from 'vitest';
import { SPARK_MAX_POINTS, lastSpark, sparkLength, sparkPoints, sparkSeries, withPoint, type SparkSeries } from './historySlice.ts';

const point = (t: number) => ({ t, v: t * 10 });

function grow(series: SparkSeries | undefined, from: number, to: number): SparkSeries {
  let s = series;
  for (let t = from; t < to; t++) s = withPoint(s, point(t));
  return s as SparkSeries;
}

describe('sparkline series (append-only windows of a shared buffer)', () => {
  it('appends at the tip without copying, and an older series still reads only its own points', () => {
    const a = grow(undefined, 0, 3);
    const b = withPoint(a, point(3));
    expect(b.buffer).toBe(a.buffer);
    expect(sparkPoints(a).map((p) => p.t)).toEqual([0, 1, 2]);
    expect(sparkPoints(b).map((p) => p.t)).toEqual([0, 1, 2, 3]);
    expect(lastSpark(a)?.t).toBe(2);
    expect(lastSpark(b)?.t).toBe(3);
  });

  it('copies when a series that is not the tip gets a point, so no series sees another one’s point', () => {
    const a = grow(undefined, 0, 3);
    const b = withPoint(a, point(3));
    const c = withPoint(a, { t: 3, v: -1 });
    expect(c.buffer).not.toBe(a.buffer);
    expect(sparkPoints(b).map((p) => p.v)).toEqual([0, 10, 20, 30]);
    expect(sparkPoints(c).map((p) => p.v)).toEqual([0, 10, 20, -1]);
    expect(sparkPoints(a)).toHaveLength(3);
  });

  it('keeps the last SPARK_MAX_POINTS, and the buffer stays under twice that however long it runs', () => {
    const s = grow(undefined, 0, SPARK_MAX_POINTS * 5 + 7);
    expect(sparkLength(s)).toBe(SPARK_MAX_POINTS);
    const points = sparkPoints(s);
    expect(points[0]?.t).toBe(SPARK_MAX_POINTS * 4 + 7);
    expect(points.at(-1)?.t).toBe(SPARK_MAX_POINTS * 5 + 6);
    expect(points.every((p, i) => i === 0 || p.t === (points[i - 1]?.t ?? NaN) + 1)).toBe(true);
    expect(s.buffer.length).toBeLessThanOrEqual(2 * SPARK_MAX_POINTS);
  });

  it('a seeded series keeps only the newest SPARK_MAX_POINTS and grows from there', () => {
    const seeded = sparkSeries(Array.from({ length: SPARK_MAX_POINTS + 10 }, (_, t) => point(t)));
    expect(sparkLength(seeded)).toBe(SPARK_MAX_POINTS);
    expect(sparkPoints(seeded)[0]?.t).toBe(10);
    const next = withPoint(seeded, point(SPARK_MAX_POINTS + 10));
    expect(sparkPoints(next)[0]?.t).toBe(11);
    expect(sparkLength(next)).toBe(SPARK_MAX_POINTS);
    expect(sparkPoints(undefined)).toEqual([]);
    expect(lastSpark(undefined)).toBeUndefined();
  });
});
