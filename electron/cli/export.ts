/**
 * `npm run export -- --instance ID [--kind fills|funding|metrics] [--data-dir DIR] [--demo] [--out FILE]`
 * Writes one instance's fills, funding or metrics history from the ledger as CSV (stdout by default).
 * Safe while the app runs: the ledger is SQLite in WAL mode.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDataDir } from '../app/bootstrap.ts';
import { Ledger } from '../core/ledger/ledger.ts';
import { fillsCsv, fundingCsv, metricsCsv } from '../core/reports.ts';

const USAGE = 'usage: npm run export -- --instance ID [--kind fills|funding|metrics] [--data-dir DIR] [--demo] [--out FILE]';

function main(): number {
  let values;
  try {
    values = parseArgs({
      options: {
        instance: { type: 'string' },
        kind: { type: 'string', default: 'fills' },
        'data-dir': { type: 'string' },
        demo: { type: 'boolean' },
        out: { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (error) {
    console.error(`stratdesk export: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const id = values.instance;
  const kind = values.kind ?? 'fills';
  if (id === undefined || !['fills', 'funding', 'metrics'].includes(kind)) {
    console.error(USAGE);
    return 2;
  }
  const base = values['data-dir'] !== undefined ? resolve(values['data-dir']) : defaultDataDir();
  const dir = values.demo === true ? join(base, 'demo') : base;
  const file = join(dir, 'ledger.sqlite');
  if (!existsSync(file)) {
    console.error(`stratdesk export: no ledger at ${file}`);
    return 1;
  }
  const ledger = new Ledger(file);
  try {
    const csv =
      kind === 'fills'
        ? fillsCsv(ledger.fillsFor(id))
        : kind === 'funding'
          ? fundingCsv(ledger.fundingFor(id))
          : metricsCsv(ledger.equitySamples(id));
    const rows = csv.split('\r\n').length - 2;
    if (values.out !== undefined) {
      writeFileSync(values.out, csv);
      console.error(`wrote ${rows} ${kind} rows of ${id} to ${values.out}`);
    } else {
      process.stdout.write(csv);
    }
    if (rows === 0) console.error(`stratdesk export: instance "${id}" has no ${kind} in ${file}`);
    return 0;
  } finally {
    ledger.close();
  }
}

process.exitCode = main();
