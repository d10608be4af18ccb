/**
 * One engine per data folder. Two engines on one folder (two windows, or the window and serve mode)
 * would each cancel the other's orders and write the same ledger, so each shell takes
 * `<data-dir>/engine.lock` before it boots: the holder's pid, which shell, when it started, and the
 * machine's boot id. A second engine is refused with a message naming the holder; a lock whose
 * process is gone (a crash, a kill -9, a reboot) is taken over.
 *
 * The file is created whole or not at all (written under a private name, then hard-linked into
 * place, which fails if the lock exists), so a reader never sees a half-written lock.
 */
import { randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'engine.lock';

export type EngineShell = 'window' | 'serve';

export interface LockHolder {
  pid: number;
  shell: EngineShell;
  /** ISO time the engine started. */
  startedAt: string;
  hostname: string;
  /** Linux's boot id: a lock from before a reboot is stale whatever its pid now names. */
  bootId: string | null;
  /** Tells our own lock from another one written by a process that reused our pid. */
  nonce: string;
}

export interface DataLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Removes the lock if it is still ours. Safe to call twice. */
  release(): void;
}

export class DataFolderLockedError extends Error {
  readonly holder: LockHolder;
  readonly path: string;
  constructor(path: string, holder: LockHolder) {
    const what = holder.shell === 'window' ? 'the Stratdesk window' : 'Stratdesk serve mode';
    super(
      `another engine already runs on this data folder: ${what} (pid ${holder.pid} on ${holder.hostname}, since ${holder.startedAt}). ` +
        `Quit it, or start with another --data-dir. Lock: ${path}`,
    );
    this.name = 'DataFolderLockedError';
    this.holder = holder;
    this.path = path;
  }
}

export interface AcquireOptions {
  shell: EngineShell;
  pid?: number;
  now?: () => Date;
  /** Whether a pid names a live process; injectable for tests. */
  isAlive?: (pid: number) => boolean;
  bootId?: () => string | null;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readBootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    return null;
  }
}

function readHolder(path: string): LockHolder | null {
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    if (typeof raw.pid !== 'number' || !Number.isInteger(raw.pid) || raw.pid <= 0) return null;
    return {
      pid: raw.pid,
      shell: raw.shell === 'window' ? 'window' : 'serve',
      startedAt: typeof raw.startedAt === 'string' ? raw.startedAt : 'an unknown time',
      hostname: typeof raw.hostname === 'string' ? raw.hostname : 'an unknown host',
      bootId: typeof raw.bootId === 'string' ? raw.bootId : null,
      nonce: typeof raw.nonce === 'string' ? raw.nonce : '',
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw error;
    return null; // unreadable or not ours: a broken lock, taken over
  }
}

function isStale(holder: LockHolder | null, ownPid: number, bootId: string | null, isAlive: (pid: number) => boolean): boolean {
  if (holder === null) return true;
  // Our own pid in a lock we have not taken: a process before a restart (containers reuse small pids).
  if (holder.pid === ownPid && holder.hostname === hostname()) return true;
  // Another machine's lock (a data folder on a network share) cannot be checked: respect it.
  if (holder.hostname !== hostname()) return false;
  if (holder.bootId !== null && bootId !== null && holder.bootId !== bootId) return true;
  return !isAlive(holder.pid);
}

function sameHolder(a: LockHolder | null, b: LockHolder | null): boolean {
  return a !== null && b !== null && a.pid === b.pid && a.nonce === b.nonce && a.startedAt === b.startedAt;
}

/** Takes the data folder's engine lock, or throws DataFolderLockedError naming the process that holds it. */
export function acquireDataLock(dataDir: string, options: AcquireOptions): DataLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  const isAlive = options.isAlive ?? isProcessAlive;
  const bootId = (options.bootId ?? readBootId)();
  const holder: LockHolder = {
    pid: options.pid ?? process.pid,
    shell: options.shell,
    startedAt: (options.now?.() ?? new Date()).toISOString(),
    hostname: hostname(),
    bootId,
    nonce: randomUUID(),
  };
  const draft = `${path}.${holder.nonce}.tmp`;
  writeFileSync(draft, JSON.stringify(holder, null, 2) + '\n', { mode: 0o644 });
  try {
    // Three tries: a stale lock is moved away, then the link is tried again; a race with another
    // starting engine ends with exactly one of them holding the lock.
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(draft, path);
        return lockHandle(path, holder);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      let existing: LockHolder | null;
      try {
        existing = readHolder(path);
      } catch {
        continue; // it went away between the link and the read
      }
      if (!isStale(existing, holder.pid, bootId, isAlive)) throw new DataFolderLockedError(path, existing as LockHolder);
      takeOver(path, existing);
    }
    const last = readHolder(path);
    throw new DataFolderLockedError(path, last ?? holder);
  } finally {
    try {
      unlinkSync(draft);
    } catch {
      // already gone
    }
  }
}

/**
 * Moves the stale lock aside under a private name; if what was moved is not the lock judged stale
 * (another engine took over in between), it is linked back and this attempt tries again.
 */
function takeOver(path: string, stale: LockHolder | null): void {
  const aside = `${path}.${randomUUID()}.stale`;
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else moved it: try again
  }
  let moved: LockHolder | null = null;
  try {
    moved = readHolder(aside);
  } catch {
    // vanished: nothing to put back
  }
  if (moved !== null && !sameHolder(moved, stale)) {
    try {
      linkSync(aside, path);
    } catch {
      // a third engine holds it now; ours will fail the next link and name it
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // already gone
  }
}

function lockHandle(path: string, holder: LockHolder): DataLock {
  let isReleased = false;
  const release = (): void => {
    if (isReleased) return;
    isReleased = true;
    process.off('exit', release);
    try {
      if (sameHolder(readHolder(path), holder)) unlinkSync(path);
    } catch {
      // already gone
    }
  };
  // A process that exits without closing (process.exit in a handler) still frees the folder.
  process.on('exit', release);
  return { path, holder, release };
}
