/**
 * The exchange ids ccxt knows, read from its folder (one module per exchange) without loading any of
 * them: `import 'ccxt'` costs ~2.5 s and ~100 MB here, this costs one directory read. The list equals
 * `ccxt.exchanges` (asserted in workspace.test.ts).
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let ids: ReadonlySet<string> | null = null;

export function ccxtExchangeIds(): ReadonlySet<string> {
  ids ??= new Set(
    readdirSync(fileURLToPath(new URL('./src/', import.meta.resolve('ccxt'))))
      .filter((f) => /^[a-z][a-z0-9]{1,40}\.js$/.test(f))
      .map((f) => f.slice(0, -3)),
  );
  return ids;
}

export function isCcxtExchangeId(id: string): boolean {
  return ccxtExchangeIds().has(id);
}

/** The known id closest to a mistyped one ("binanse" → "binance"), when one is close enough to suggest. */
export function closestExchangeId(id: string): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(id.length / 4)) + 1;
  for (const known of ccxtExchangeIds()) {
    const d = distance(id.toLowerCase(), known);
    if (d < bestDistance) {
      best = known;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
