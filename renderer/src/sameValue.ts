/**
 * Equality checks that run on every store change for every row on screen, so none of them allocates:
 * no `Object.keys`, no entries, no iterators, no closures. Every byte a delta allocates brings the next
 * young-generation GC nearer, and a GC that lands inside React's render is counted in its commit
 * (docs/BENCHMARKS.md, "Renderer: where the p95 went").
 */

/** Plain objects only (JSON values, object literals): anything else is equal only to itself. */
function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Two arrays or two plain objects, element by element (own enumerable keys), each pair compared with
 * `same`; anything else by `Object.is`. One home for the shallow and the structural check.
 */
function isEqualBy(a: unknown, b: unknown, same: (x: unknown, y: unknown) => boolean): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false;
    return true;
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const aRecord = a as Record<string, unknown>;
  const bRecord = b as Record<string, unknown>;
  let count = 0;
  for (const key in aRecord) {
    if (!Object.hasOwn(aRecord, key)) continue;
    count++;
    if (!Object.hasOwn(bRecord, key) || !same(aRecord[key], bRecord[key])) return false;
  }
  for (const key in bRecord) if (Object.hasOwn(bRecord, key)) count--;
  return count === 0;
}

/**
 * Structural equality for JSON-shaped values (what the host sends). Used to keep the old object when
 * a "changed" strategy arrives unchanged, e.g. on the full snapshot after a reconnect, so React skips
 * rows whose figures did not move.
 */
export function isSameValue(a: unknown, b: unknown): boolean {
  return isEqualBy(a, b, isSameValue);
}

/**
 * One level deep: two arrays with the same elements, or two plain objects with the same fields
 * (`Object.is` each). What a selector that builds an array or an object is compared with
 * (`useStratdeskShallow`); zustand's own `shallow` builds two Maps and an entries array per call.
 */
export function isShallowEqual(a: unknown, b: unknown): boolean {
  return isEqualBy(a, b, Object.is);
}

export function isSameList(a: readonly string[], b: readonly string[]): boolean {
  return isEqualBy(a, b, Object.is);
}
