/**
 * What both shells do at start-up: pick the data folder, load the workspace (or start the demo),
 * build the host and start it. Electron main and serve mode call this and add only their transport.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { startDemo, type Demo } from './demo.ts';
import { Host, type HostOptions } from '../core/host/host.ts';
import type { Logger } from '../core/log.ts';
import { preloadExchanges } from '../core/exchange/ccxtLoader.ts';
import { Vault } from '../core/vault/vault.ts';
import { loadWorkspaceFile } from '../core/workspace/workspace.ts';

export interface BootOptions {
  /** Unlocks the vault at start (serve mode, CLI: from STRATDESK_VAULT_PASSWORD or a prompt, never a flag). */
  vaultPassword?: string | undefined;
  workspacePath?: string | undefined;
  isDemo?: boolean | undefined;
  dataDir?: string | undefined;
  seed?: number | undefined;
  log?: Logger | undefined;
  hostOptions?: Partial<HostOptions>;
}

export interface Booted {
  host: Host;
  demo: Demo | null;
  dataDir: string;
  /** Human-readable: "demo" or the workspace path. */
  source: string;
  close(): Promise<void>;
}

/** The same folder Electron's `app.getPath('userData')` gives for the product name "Stratdesk". */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env['STRATDESK_DATA_DIR']) return env['STRATDESK_DATA_DIR'];
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Stratdesk');
  if (platform === 'win32') return join(env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming'), 'Stratdesk');
  return join(env['XDG_CONFIG_HOME'] ?? join(homedir(), '.config'), 'Stratdesk');
}

/** `--demo` with `--workspace` would have to ignore one of them: refused, whichever shell asked. */
export const DEMO_WITH_WORKSPACE = '--demo and --workspace cannot be used together: run the demo, or the workspace';

export async function boot(options: BootOptions): Promise<Booted> {
  if (options.isDemo === true && options.workspacePath !== undefined) throw new Error(DEMO_WITH_WORKSPACE);
  const dataDir = options.dataDir ?? defaultDataDir();
  const workspacePath = options.workspacePath ?? (options.isDemo === true ? undefined : existingWorkspace(dataDir));
  let demo: Demo | null = null;
  let host: Host;
  // One vault per data folder, shared by the window, serve mode and the CLI; the demo uses it too.
  const vault = new Vault({ dataDir });
  if (options.vaultPassword !== undefined && (await vault.exists())) await vault.unlock(options.vaultPassword);
  if (workspacePath === undefined) {
    demo = await startDemo({ dataDir, ...(options.seed !== undefined ? { seed: options.seed } : {}) });
    // The demo samples equity often so its curves move within a minute of starting.
    host = new Host({
      streams: true,
      equitySampleMs: 5000,
      vault,
      ...options.hostOptions,
      workspace: demo.workspace,
      dataDir: demo.dataDir,
      ...(options.log ? { log: options.log } : {}),
    });
  } else {
    const workspace = await loadWorkspaceFile(workspacePath);
    // Only the exchanges this workspace uses are loaded (all of ccxt costs ~100 MB of memory).
    await preloadExchanges(workspace.accounts.map((a) => a.exchange));
    host = new Host({
      streams: true,
      vault,
      ...options.hostOptions,
      workspace,
      dataDir,
      workspacePath,
      ...(options.log ? { log: options.log } : {}),
    });
  }
  host.start();
  const running = demo;
  return {
    host,
    demo,
    dataDir,
    source: workspacePath ?? 'demo',
    async close() {
      vault.lock();
      await host.close();
      await running?.simulator.close();
    },
  };
}

function existingWorkspace(dataDir: string): string | undefined {
  const path = join(dataDir, 'workspace.json');
  return existsSync(path) ? path : undefined;
}
