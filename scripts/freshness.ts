/** Whether a build is older than its sources: `npm run serve` and `npm start` rebuild only then. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The newest modification time under these files and folders (0 when none exists). */
export function newestMtime(paths: readonly string[]): number {
  let latest = 0;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const stat = statSync(path);
    if (!stat.isDirectory()) {
      latest = Math.max(latest, stat.mtimeMs);
      continue;
    }
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (entry.name === 'node_modules') continue;
      latest = Math.max(latest, newestMtime([join(path, entry.name)]));
    }
  }
  return latest;
}

/** True when an output is missing or older than the newest source. */
export function isStale(outputs: readonly string[], sources: readonly string[]): boolean {
  const newest = newestMtime(sources);
  return outputs.some((out) => !existsSync(out) || statSync(out).mtimeMs < newest);
}
