/**
 * The file operations the vault needs, behind an interface so tests can make a write fail the way a
 * full disk does (ENOSPC after a partial write) without a full disk.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface VaultFileSystem {
  /** The file's bytes, or null when it does not exist. */
  read(path: string): Promise<Buffer | null>;
  /** Creates `path` (which must not exist) with `mode`, writes `data` and fsyncs it. */
  writeNew(path: string, data: Buffer, mode: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Makes renames in `dir` durable (a no-op where directories cannot be fsynced). */
  syncDir(dir: string): Promise<void>;
  /** Removes `path`; missing is fine. */
  remove(path: string): Promise<void>;
  list(dir: string): Promise<string[]>;
  /** Creates `dir` (and parents) readable by the owner only, when missing. */
  ensureDir(dir: string): Promise<void>;
}

export const nodeVaultFs: VaultFileSystem = {
  async read(path) {
    try {
      return await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  },
  async writeNew(path, data, mode) {
    // O_EXCL: never write through a file (or link) someone else put there.
    const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
    try {
      let written = 0;
      while (written < data.length) {
        const { bytesWritten } = await handle.write(data, written, data.length - written);
        written += bytesWritten;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  rename: (from, to) => rename(from, to),
  async syncDir(dir) {
    if (process.platform === 'win32') return;
    const handle = await open(dir, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  async remove(path) {
    try {
      await unlink(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  },
  async list(dir) {
    try {
      return await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  },
  async ensureDir(dir) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  },
};

/**
 * Replaces `target` atomically: a fresh temp file beside it (`<tempPrefix><pid>-<random>`), written
 * and fsynced, then renamed over it; a failure removes the temp and leaves `target` as it was. The
 * caller fsyncs the folder (`syncDir`) once its renames are done. Used by the vault and the workspace.
 */
export async function replaceFile(fs: VaultFileSystem, target: string, bytes: Buffer, mode: number, tempPrefix: string): Promise<void> {
  const temp = join(dirname(target), `${tempPrefix}${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await fs.writeNew(temp, bytes, mode);
    await fs.rename(temp, target);
  } catch (error) {
    await fs.remove(temp).catch(() => undefined);
    throw error;
  }
}

/** Temp files a crash mid-write left in `dir`: never read, removed on the next open. */
export async function removeStaleTemps(fs: VaultFileSystem, dir: string, tempPrefix: string): Promise<void> {
  const names = await fs.list(dir).catch(() => []);
  for (const name of names) {
    if (name.startsWith(tempPrefix)) await fs.remove(join(dir, name)).catch(() => undefined);
  }
}
