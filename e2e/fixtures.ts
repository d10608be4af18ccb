/**
 * What every web spec starts from: a serve instance of its own for the spec file (the demo, or a
 * workspace of the spec's on the simulator CLI), and the window opened on it as a user would.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { startServe, startSimProcess, type Served } from './serve.ts';

/** The spec file's serve, readable once its `beforeAll` has run (from inside a test or a later hook). */
export interface ServedFile {
  readonly served: Served;
}

/** The spec file's serve of its own workspace, and the simulator it trades on. */
export interface ServedWorkspace extends ServedFile {
  readonly simUrl: string;
}

function ready<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not started: read it inside a test or a hook that runs after it`);
  return value;
}

/** `npm run serve -- --demo` (three live market makers on the in-process simulator) for this spec file. */
export function useDemoServe(): ServedFile {
  let served: Served | undefined;
  test.beforeAll(async () => {
    served = await startServe(['--demo']);
  });
  test.afterAll(async () => {
    await served?.stop();
  });
  return {
    get served() {
      return ready(served, 'serve');
    },
  };
}

/**
 * The simulator CLI on loopback, and serve mode on the workspace `build` makes for its address (written
 * to a temporary `workspace.json`), for this spec file; all stopped and removed after its tests. A spec's
 * own `beforeAll` registered after this call runs once both are up.
 */
export function useSimWorkspace(name: string, build: (simUrl: string) => object, simArgs: string[] = []): ServedWorkspace {
  let served: Served | undefined;
  let sim: ChildProcess | undefined;
  let simUrl: string | undefined;
  let dir: string | undefined;
  test.beforeAll(async () => {
    const started = await startSimProcess(simArgs);
    sim = started.process;
    simUrl = started.url;
    dir = mkdtempSync(join(tmpdir(), `stratdesk-${name}-`));
    const file = join(dir, 'workspace.json');
    writeFileSync(file, JSON.stringify(build(started.url), null, 2));
    served = await startServe(['--workspace', file]);
  });
  test.afterAll(async () => {
    await served?.stop();
    if (sim && sim.exitCode === null && sim.signalCode === null) {
      const exited = new Promise((resolve) => sim?.once('exit', resolve));
      sim.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    get served() {
      return ready(served, 'serve');
    },
    get simUrl() {
      return ready(simUrl, 'the simulator');
    },
  };
}

/** The window's address with the token in it, as serve prints it (the page then takes it out). */
export function appLink(served: Served): string {
  return `${served.url}/?token=${served.token}`;
}

/** Opens the window from its link, as a user would, and waits for its stream. */
export async function openApp(page: Page, served: Served): Promise<void> {
  await page.goto(appLink(served));
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'connected');
}

/** An instance's row in the table. */
export function strategyRow(page: Page, id: string): Locator {
  return page.getByTestId(`strategy-row-${id}`);
}
