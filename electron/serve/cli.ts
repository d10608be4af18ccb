/**
 * `npm run serve -- [--workspace FILE] [--demo] [--data-dir DIR] [--port N] [--token T]`
 * Runs the whole core headless and serves the built renderer plus the API on 127.0.0.1.
 * Prints `stratdesk listening on http://127.0.0.1:PORT` once ready.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { boot, defaultDataDir, DEMO_WITH_WORKSPACE } from '../app/bootstrap.ts';
import { acquireDataLock } from '../core/dataLock.ts';
import { generateToken, startServer } from './server.ts';

const USAGE = `usage: npm run serve -- [--workspace FILE] [--demo] [--data-dir DIR] [--port N] [--token T] [--seed S]
  --workspace FILE  workspace JSON (default: <data-dir>/workspace.json, else the demo)
  --demo            run the demo on the embedded exchange simulator
  --data-dir DIR    where the ledger and settings live (default: the app's data folder)
  --port N          port on 127.0.0.1 (0 picks a free one; default 8765)
  --token T         API token (default: $STRATDESK_TOKEN, else a new random one, printed)
The key vault (<data-dir>/vault.bin) unlocks from $STRATDESK_VAULT_PASSWORD at start, or later from the page.`;

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        workspace: { type: 'string' },
        demo: { type: 'boolean' },
        'data-dir': { type: 'string' },
        port: { type: 'string' },
        token: { type: 'string' },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (error) {
    console.error(`stratdesk: ${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (args.help === true) {
    console.log(USAGE);
    return;
  }
  if (args.demo === true && args.workspace !== undefined) {
    console.error(`stratdesk: ${DEMO_WITH_WORKSPACE}\n${USAGE}`);
    process.exit(2);
  }
  const port = args.port === undefined ? 8765 : Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`stratdesk: --port must be a whole number from 0 to 65535\n${USAGE}`);
    process.exit(2);
  }
  const fromEnv = process.env['STRATDESK_TOKEN'];
  const token = args.token ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : generateToken());
  const isGenerated = args.token === undefined && (fromEnv === undefined || fromEnv === '');
  const dataDir = args['data-dir'] !== undefined ? resolve(args['data-dir']) : defaultDataDir();
  // Before anything opens the ledger: a second engine on this folder would cancel the first one's orders.
  const lock = acquireDataLock(dataDir, { shell: 'serve' });
  const booted = await boot({
    workspacePath: args.workspace !== undefined ? resolve(args.workspace) : undefined,
    isDemo: args.demo === true,
    dataDir,
    seed: args.seed !== undefined ? Number(args.seed) : undefined,
    // Never a flag: it would land in shell history and `ps`. The page can also unlock it.
    vaultPassword: process.env['STRATDESK_VAULT_PASSWORD'] || undefined,
  });
  const here = dirname(fileURLToPath(import.meta.url));
  const server = await startServer({ host: booted.host, token, port, staticDir: join(here, '..', '..', 'out', 'renderer') });
  let isClosing = false;
  const shutdown = (signal: string): void => {
    if (isClosing) return;
    isClosing = true;
    booted.host.log.info('shutting down', { signal });
    void Promise.all([server.close(), booted.close()]).finally(() => {
      lock.release();
      process.exit(0);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // Only now: whoever reads the address may stop us at once, and that must be a graceful stop.
  console.log(`stratdesk listening on ${server.url}`);
  console.log(`open ${server.url}/?token=${isGenerated ? token : '<your token>'}  (workspace: ${booted.source}, data: ${booted.dataDir})`);
}

process.on('unhandledRejection', (reason) => {
  console.error(JSON.stringify({ level: 'error', message: 'unhandled rejection', error: String((reason as Error)?.message ?? reason) }));
});

main().catch((error: unknown) => {
  console.error(`stratdesk: ${(error as Error).message}`);
  process.exit(1);
});
