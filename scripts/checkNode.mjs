#!/usr/bin/env node
/**
 * Run first by every npm script that runs TypeScript: on an older Node those die with
 * ERR_UNKNOWN_FILE_EXTENSION ".ts" and no hint. Plain JavaScript (no types, nothing newer than
 * Node 14), so it runs and explains on whatever Node the machine has. The minimum is package.json's
 * "engines" (">=22.18"), the one place it is written.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** "v22.18.0" → [22, 18, 0] */
export function parseVersion(version) {
  return String(version)
    .replace(/^[v>=\s]+/, '')
    .split('.')
    .map((n) => parseInt(n, 10) || 0);
}

export const MIN = parseVersion(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).engines.node);

export function isNewEnough(version) {
  const [major = 0, minor = 0] = parseVersion(version);
  return major !== MIN[0] ? major > MIN[0] : minor >= MIN[1];
}

export function advice(version, execPath) {
  return (
    `stratdesk needs Node >= ${MIN.join('.')} (24 recommended), this is ${version} at ${execPath}: ` +
    'get Node 24 with `npm install --prefix ~/.cache/stratdesk-node node@24` ' +
    'then `export PATH=~/.cache/stratdesk-node/node_modules/.bin:$PATH`'
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href && !isNewEnough(process.versions.node)) {
  console.error(advice(process.version, process.execPath));
  process.exit(1);
}
