import { describe, expect, it } from 'vitest';
import { isSameList, isSameValue, isShallowEqual } from './sameValue.ts';

describe('isSameValue (what a patch is compared with before the store keeps the old object)', () => {
  it('compares JSON values all the way down', () => {
    const a = { id: 'mm', metrics: { positions: { 'BTC/USDT': 0.5 }, fills: [1, 2, { x: null }] } };
    expect(isSameValue(a, JSON.parse(JSON.stringify(a)))).toBe(true);
    expect(isSameValue(a, { id: 'mm', metrics: { positions: { 'BTC/USDT': 0.25 }, fills: [1, 2, { x: null }] } })).toBe(false);
    expect(isSameValue(a, { id: 'mm', metrics: { positions: { 'BTC/USDT': 0.5 }, fills: [1, 2, { x: 0 }] } })).toBe(false);
  });

  it('tells a missing field, an extra field and an undefined field apart', () => {
    expect(isSameValue({ a: 1, b: 2 }, { a: 1 })).toBe(false);
    expect(isSameValue({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(isSameValue({ a: 1, b: undefined }, { a: 1, c: undefined })).toBe(false);
    expect(isSameValue({ a: 1, b: undefined }, { a: 1 })).toBe(false);
  });

  it('never takes an array for an object with the same indices, or NaN for another number', () => {
    expect(isSameValue([1, 2], { 0: 1, 1: 2 })).toBe(false);
    expect(isSameValue({ 0: 1, 1: 2 }, [1, 2])).toBe(false);
    expect(isSameValue([1, 2], [1, 2, 3])).toBe(false);
    expect(isSameValue(Number.NaN, Number.NaN)).toBe(true);
    expect(isSameValue(0, -0)).toBe(false);
  });
});

describe('isShallowEqual (what a selector building an object or an array is compared with)', () => {
  it('compares one level: equal fields are equal, a nested object only by identity', () => {
    const nested = { x: 1 };
    expect(isShallowEqual({ a: 1, n: nested }, { a: 1, n: nested })).toBe(true);
    expect(isShallowEqual({ a: 1, n: nested }, { a: 1, n: { x: 1 } })).toBe(false);
    expect(isShallowEqual(['a', 'b'], ['a', 'b'])).toBe(true);
    expect(isShallowEqual(['a', 'b'], ['b', 'a'])).toBe(false);
    expect(isShallowEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
  });

  it('compares Maps, Sets and class instances by identity only (their fields are not own enumerable keys)', () => {
    expect(isShallowEqual(new Map([['a', 1]]), new Map([['a', 2]]))).toBe(false);
    expect(isShallowEqual(new Set([1]), new Set([1]))).toBe(false);
    const map = new Map();
    expect(isShallowEqual(map, map)).toBe(true);
    expect(isShallowEqual(new Date(0), new Date(0))).toBe(false);
  });

  it('accepts objects without a prototype', () => {
    const a = Object.assign(Object.create(null) as Record<string, number>, { x: 1 });
    const b = Object.assign(Object.create(null) as Record<string, number>, { x: 1 });
    expect(isShallowEqual(a, b)).toBe(true);
  });
});

describe('isSameList', () => {
  it('is order-sensitive', () => {
    expect(isSameList(['a', 'b'], ['a', 'b'])).toBe(true);
    expect(isSameList(['a', 'b'], ['b', 'a'])).toBe(false);
    expect(isSameList(['a'], ['a', 'b'])).toBe(false);
  });
});
