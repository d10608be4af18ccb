/**
 * One engine per data folder: the lock file itself, then two real serve processes on one --data-dir
 * (the second is refused and names the first; after a kill -9 the next one takes the folder over).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServe, type Served } from '../../e2e/serve.ts';
import { acquireDataLock, DataFolderLockedError, LOCK_FILE, type LockHolder } from './dataLock.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stratdesk-lock-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function plantLock(dir: string, holder: Partial<LockHolder>): void {
  const full: LockHolder = {
    pid: 4242,
    shell: 'window',
    startedAt: '2026-12-01T08:00:00.000Z',
    hostname: hostname(),
    bootId: null,
    nonce: 'planted',
    ...holder,
  };
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify(full));
}

describe('the data folder lock', () => {
  it('records pid, shell and start time; a second engine is refused with the holder named', () => {
    const dir = tempDir();
    const lock = acquireDataLock(dir, { shell: 'serve', pid: 1001, isAlive: () => true });
    const onDisk = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as LockHolder;
    expect(onDisk).toMatchObject({ pid: 1001, shell: 'serve', hostname: hostname() });
    expect(Date.parse(onDisk.startedAt)).not.toBeNaN();

    let refused: unknown;
    try {
      acquireDataLock(dir, { shell: 'window', pid: 1002, isAlive: () => true });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(DataFolderLockedError);
    expect((refused as Error).message).toContain('Stratdesk serve mode (pid 1001');
    expect((refused as Error).message).toContain(onDisk.startedAt);
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('takes over a lock whose process is gone, or is from before a reboot, or is unreadable', () => {
    const dir = tempDir();
    plantLock(dir, { pid: 4242 });
    const a = acquireDataLock(dir, { shell: 'serve', pid: 2001, isAlive: (pid) => pid !== 4242 });
    expect(a.holder.pid).toBe(2001);
    a.release();

    plantLock(dir, { pid: 4242, bootId: 'before-reboot' });
    const b = acquireDataLock(dir, { shell: 'serve', pid: 2002, isAlive: () => true, bootId: () => 'after-reboot' });
    expect(b.holder.pid).toBe(2002);
    b.release();

    writeFileSync(join(dir, LOCK_FILE), '{"pid": "nonsense"');
    const c = acquireDataLock(dir, { shell: 'window', pid: 2003, isAlive: () => true });
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: 2003, shell: 'window' });
    c.release();
  });

  it('respects a live holder, including one on another machine sharing the folder', () => {
    const dir = tempDir();
    plantLock(dir, { pid: 4242, hostname: 'another-desk' });
    expect(() => acquireDataLock(dir, { shell: 'serve', pid: 3001, isAlive: () => false })).toThrow(/pid 4242 on another-desk/);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: 4242 });
  });

  it('releases only its own lock: one that was taken over after a pause is left alone', () => {
    const dir = tempDir();
    const lock = acquireDataLock(dir, { shell: 'serve', pid: 5001, isAlive: () => false });
    plantLock(dir, { pid: 5002, nonce: 'the-new-holder' });
    lock.release();
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: 5002 });
  });
});

describe('two serve processes on one data folder', () => {
  it('refuses the second with the first one named, and takes the folder over after a kill -9', async () => {
    const dataDir = tempDir();
    const served: Served[] = [];
    try {
      const first = await startServe(['--demo'], { dataDir });
      served.push(first);
      const firstPid = first.process.pid;
      const refusal = await startServe(['--demo'], { dataDir }).then(
        (s) => {
          served.push(s);
          return 'started';
        },
        (error: unknown) => (error as Error).message,
      );
      expect(refusal).toContain(`Stratdesk serve mode (pid ${String(firstPid)}`);
      expect(refusal).toMatch(/exited with 1/);
      // The first engine is untouched and still answers.
      expect((await first.api('/api/portfolio')).status).toBe(200);

      await first.stop('SIGKILL');
      expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: firstPid });
      const third = await startServe(['--demo'], { dataDir });
      served.push(third);
      expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: third.process.pid, shell: 'serve' });
      await third.stop('SIGTERM');
      const left = existsSync(join(dataDir, LOCK_FILE)) ? readFileSync(join(dataDir, LOCK_FILE), 'utf8') : null;
      expect(left, `${third.output()}\nexit ${String(third.process.exitCode)} ${String(third.process.signalCode)}`).toBeNull();
    } finally {
      for (const s of served) await s.stop('SIGKILL');
    }
  });
});
