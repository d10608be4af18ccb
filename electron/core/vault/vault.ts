/**
 * The key vault: exchange API keys encrypted at rest in `<dataDir>/vault.bin` under a master
 * password (file format in format.ts). Runs in the main process only: `get` hands out secrets, so
 * nothing the renderer can reach may call it; the renderer sees `list()` (masked keys) at most.
 *
 * Every change is written to a new temporary file, fsynced, renamed over the old one and the folder
 * fsynced, so a crash or a full disk leaves the previous file whole. The previous version is kept as
 * `vault.bin.bak` and opened (with a notice) when `vault.bin` is damaged. In-memory state changes
 * only after the write succeeded, so a failed write leaves both the file and the open vault as they
 * were.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { join } from 'node:path';
import { systemClock, type Clock, type TimerHandle } from '../clock.ts';
import {
  DEFAULT_KDF,
  KEY_LENGTH,
  NONCE_LENGTH,
  VaultError,
  decodeEntries,
  encodeEntries,
  headerFor,
  isSaneKdf,
  isWeaker,
  kdfMemory,
  parseFile,
  serializeFile,
  sha256,
  wipeEntry,
  wrapAadFor,
  type EntrySecrets,
  type KdfParams,
  type VaultFile,
  type VaultFileParts,
} from './format.ts';
import { nodeVaultFs, removeStaleTemps, replaceFile, type VaultFileSystem } from './vaultFs.ts';

export { VaultError, type VaultErrorCode, type KdfParams, DEFAULT_KDF } from './format.ts';

export const VAULT_FILE = 'vault.bin';
export const BACKUP_FILE = 'vault.bin.bak';
const TEMP_PREFIX = 'vault.bin.tmp-';
const FILE_MODE = 0o600;
const SALT_LENGTH = 32;
const MIN_PASSWORD_LENGTH = 8;
const MAX_FIELD_LENGTH = 16 * 1024;
export const DEFAULT_IDLE_LOCK_MS = 15 * 60_000;

/** Credentials as ccxt takes them. */
export interface VaultCredentials {
  apiKey: string;
  secret: string;
  /** Some exchanges' API passphrase (OKX, KuCoin). */
  password?: string;
}

/** What `list()` shows: never a full key, never a secret. */
export interface VaultEntrySummary {
  name: string;
  /** The key's last 4 characters behind a mask, e.g. `••••ab12` (only the mask for short keys). */
  apiKey: string;
  hasPassword: boolean;
  /** ISO-8601. */
  updatedAt: string;
}

export type LockReason = 'manual' | 'idle';

/** Exponential delay after wrong passwords: the first `freeAttempts` cost nothing, then baseMs, 2·baseMs, … up to maxMs. */
export interface UnlockBackoff {
  freeAttempts: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Readonly<UnlockBackoff> = { freeAttempts: 3, baseMs: 1000, maxMs: 5 * 60_000 };

export interface VaultOptions {
  dataDir: string;
  clock?: Clock;
  fs?: VaultFileSystem;
  /** scrypt cost for files this vault writes; files with weaker stored parameters are upgraded on unlock. Lower only in tests. */
  kdf?: Partial<KdfParams>;
  /** Lock after this long without use, ms; null never. */
  idleLockMs?: number | null;
  backoff?: Partial<UnlockBackoff>;
  onLock?: (reason: LockReason) => void;
  /** Things the user should know that are not errors (e.g. "opened the backup"). */
  onNotice?: (message: string) => void;
}

interface Unlocked {
  dataKey: Buffer;
  parts: VaultFileParts;
  entries: Map<string, EntrySecrets>;
}

interface Loaded {
  file: VaultFile;
  bytes: Buffer;
  label: string;
  notice: string | null;
  /** SHA-256 of vault.bin as it is on disk now (null: missing), to detect another writer. */
  mainDigest: Buffer | null;
}

interface Opened {
  state: Unlocked;
  bytes: Buffer;
  notice: string | null;
  mainDigest: Buffer | null;
}

export function maskKey(apiKey: string): string {
  const chars = [...apiKey];
  // A short key's last four characters would be most of it.
  return chars.length >= 12 ? `••••${chars.slice(-4).join('')}` : '••••';
}

export class Vault {
  readonly dataDir: string;
  readonly path: string;
  readonly backupPath: string;
  #fs: VaultFileSystem;
  #clock: Clock;
  #kdf: KdfParams;
  #idleLockMs: number | null;
  #backoff: UnlockBackoff;
  #onLock: ((reason: LockReason) => void) | undefined;
  #onNotice: ((message: string) => void) | undefined;
  #state: Unlocked | null = null;
  /** The bytes of the version in effect: what becomes the backup on the next write. */
  #current: Buffer | null = null;
  #mainDigest: Buffer | null = null;
  #failures = 0;
  #nextAttemptAt = 0;
  #idleTimer: TimerHandle | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #generation = 0;
  #lastNotice: string | null = null;

  constructor(options: VaultOptions) {
    this.dataDir = options.dataDir;
    this.path = join(options.dataDir, VAULT_FILE);
    this.backupPath = join(options.dataDir, BACKUP_FILE);
    this.#fs = options.fs ?? nodeVaultFs;
    this.#clock = options.clock ?? systemClock;
    this.#kdf = { ...DEFAULT_KDF, ...options.kdf };
    if (!isSaneKdf(this.#kdf)) throw new RangeError('scrypt parameters out of range');
    this.#idleLockMs = options.idleLockMs === undefined ? DEFAULT_IDLE_LOCK_MS : options.idleLockMs;
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.#onLock = options.onLock;
    this.#onNotice = options.onNotice;
  }

  get isLocked(): boolean {
    return this.#state === null;
  }

  /** The last notice (e.g. that the backup was opened), or null. */
  get lastNotice(): string | null {
    return this.#lastNotice;
  }

  /** Whether a vault (or its backup) exists in the data folder. */
  async exists(): Promise<boolean> {
    return this.#io(
      'look for the vault',
      async () => (await this.#fs.read(this.path)) !== null || (await this.#fs.read(this.backupPath)) !== null,
    );
  }

  /** Creates an empty vault and leaves it unlocked. Refuses to replace an existing one. */
  async create(password: string): Promise<void> {
    checkNewPassword(password);
    return this.#serial(async () => {
      await this.#io('create the data folder', () => this.#fs.ensureDir(this.dataDir));
      if (await this.exists()) {
        throw new VaultError(
          'exists',
          `a vault already exists in ${this.dataDir}; unlock it, or delete ${VAULT_FILE} and ${BACKUP_FILE} to start over`,
        );
      }
      await this.#removeStaleTemps();
      const dataKey = randomBytes(KEY_LENGTH);
      const parts = await wrapDataKey(password, dataKey, this.#kdf);
      const entries = new Map<string, EntrySecrets>();
      const bytes = buildFile(parts, dataKey, entries);
      this.#mainDigest = null;
      try {
        await this.#commit(bytes, null);
      } catch (error) {
        dataKey.fill(0);
        throw error;
      }
      this.#setState({ dataKey, parts, entries });
    });
  }

  /**
   * Opens the vault with the master password (re-reading the file, so changes made by the CLI are
   * seen). Wrong passwords are rate-limited: see `UnlockBackoff`.
   */
  unlock(password: string): Promise<void> {
    return this.#serial(async () => {
      await this.#removeStaleTemps();
      const opened = await this.#attempt(password);
      this.#failures = 0;
      this.#nextAttemptAt = 0;
      this.#mainDigest = opened.mainDigest;
      this.#current = opened.bytes;
      this.#setState(opened.state);
      this.#notice(opened.notice);
      if (isWeaker(opened.state.parts.kdf, this.#kdf)) await this.#upgradeKdf(password);
    });
  }

  /** Forgets the keys: zeroes the data key and every secret Buffer, then drops them. */
  lock(reason: LockReason = 'manual'): void {
    this.#idleTimer?.cancel();
    this.#idleTimer = null;
    const state = this.#state;
    if (!state) return;
    this.#state = null;
    this.#generation++;
    wipeState(state);
    this.#onLock?.(reason);
  }

  /**
   * Re-encrypts everything under a new password, a new salt and a new data key, and leaves the vault
   * unlocked. The backup is replaced too, so no copy readable with the old password stays behind.
   */
  async changePassword(oldPassword: string, newPassword: string): Promise<void> {
    checkNewPassword(newPassword);
    return this.#serial(async () => {
      const opened = await this.#attempt(oldPassword);
      this.#failures = 0;
      this.#nextAttemptAt = 0;
      this.#mainDigest = opened.mainDigest;
      const dataKey = randomBytes(KEY_LENGTH);
      try {
        const kdf = isWeaker(opened.state.parts.kdf, this.#kdf) ? this.#kdf : opened.state.parts.kdf;
        const parts = await wrapDataKey(newPassword, dataKey, kdf);
        const bytes = buildFile(parts, dataKey, opened.state.entries);
        await this.#commit(bytes, bytes);
        this.#setState({ dataKey, parts, entries: opened.state.entries });
        opened.state.dataKey.fill(0);
      } catch (error) {
        dataKey.fill(0);
        opened.state.dataKey.fill(0);
        for (const entry of opened.state.entries.values()) wipeEntry(entry);
        throw error;
      }
    });
  }

  /** Adds or replaces an entry. */
  async put(name: string, credentials: VaultCredentials): Promise<void> {
    checkName(name);
    const apiKey = credentials.apiKey.trim();
    checkField('apiKey', apiKey);
    checkField('secret', credentials.secret);
    if (credentials.password !== undefined && credentials.password !== '') checkField('password', credentials.password);
    return this.#serial(async () => {
      const state = this.#unlocked();
      const entry: EntrySecrets = {
        apiKey: Buffer.from(apiKey, 'utf8'),
        secret: Buffer.from(credentials.secret, 'utf8'),
        password: credentials.password !== undefined && credentials.password !== '' ? Buffer.from(credentials.password, 'utf8') : null,
        updatedAt: this.#clock.now(),
      };
      const entries = new Map(state.entries);
      const previous = entries.get(name);
      entries.set(name, entry);
      await this.#write(state, entries, () => wipeEntry(entry));
      if (previous) wipeEntry(previous);
    });
  }

  remove(name: string): Promise<void> {
    return this.#serial(async () => {
      const state = this.#unlocked();
      const previous = state.entries.get(name);
      if (!previous) throw new VaultError('not_found', `no vault entry "${name}"`);
      const entries = new Map(state.entries);
      entries.delete(name);
      await this.#write(state, entries, () => undefined);
      wipeEntry(previous);
    });
  }

  has(name: string): boolean {
    return this.#unlocked().entries.has(name);
  }

  /** The entry's credentials as strings, for ccxt. Main process only. */
  get(name: string): VaultCredentials {
    const entry = this.#entry(name);
    return {
      apiKey: entry.apiKey.toString('utf8'),
      secret: entry.secret.toString('utf8'),
      ...(entry.password ? { password: entry.password.toString('utf8') } : {}),
    };
  }

  /**
   * The entry's secrets as the vault's own Buffers, without making strings. They are zeroed when the
   * vault locks or the entry changes: copy what must outlive that. Main process only.
   */
  getBuffers(name: string): { apiKey: Buffer; secret: Buffer; password: Buffer | null } {
    const entry = this.#entry(name);
    return { apiKey: entry.apiKey, secret: entry.secret, password: entry.password };
  }

  /** Entry names with masked keys, sorted by name. */
  list(): VaultEntrySummary[] {
    const state = this.#unlocked();
    this.#touch();
    return [...state.entries.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, e]) => ({
        name,
        apiKey: maskKey(e.apiKey.toString('utf8')),
        hasPassword: e.password !== null,
        updatedAt: new Date(e.updatedAt).toISOString(),
      }));
  }

  #entry(name: string): EntrySecrets {
    const state = this.#unlocked();
    const entry = state.entries.get(name);
    if (!entry) throw new VaultError('not_found', `no vault entry "${name}"`);
    this.#touch();
    return entry;
  }

  #unlocked(): Unlocked {
    if (!this.#state) throw new VaultError('locked', 'the vault is locked: unlock it with the master password first');
    return this.#state;
  }

  #setState(state: Unlocked): void {
    const previous = this.#state;
    if (previous && previous !== state) wipeState(previous);
    this.#state = state;
    this.#generation++;
    this.#touch();
  }

  #touch(): void {
    if (this.#idleLockMs === null) return;
    this.#idleTimer?.cancel();
    this.#idleTimer = this.#clock.after(this.#idleLockMs, () => {
      this.#idleTimer = null;
      this.lock('idle');
    });
  }

  #notice(message: string | null): void {
    this.#lastNotice = message;
    if (message !== null) this.#onNotice?.(message);
  }

  #checkRate(): void {
    const wait = this.#nextAttemptAt - this.#clock.now();
    if (wait > 0) {
      throw new VaultError('rate_limited', `too many wrong passwords: try again in ${Math.ceil(wait / 1000)} s`, { retryAfterMs: wait });
    }
  }

  #recordFailure(): void {
    this.#failures++;
    const over = this.#failures - this.#backoff.freeAttempts;
    const delay = over <= 0 ? 0 : Math.min(this.#backoff.baseMs * 2 ** (over - 1), this.#backoff.maxMs);
    this.#nextAttemptAt = this.#clock.now() + delay;
  }

  /** Writes `entries` under the open data key; swaps them in only when the write succeeded. */
  async #write(state: Unlocked, entries: Map<string, EntrySecrets>, onFailure: () => void): Promise<void> {
    const generation = this.#generation;
    try {
      await this.#commit(buildFile(state.parts, state.dataKey, entries), this.#current);
    } catch (error) {
      onFailure();
      throw error;
    }
    if (this.#generation === generation && this.#state === state) {
      state.entries = entries;
      this.#touch();
    } else {
      // Locked while writing: the file has the change; memory must not keep the new secrets.
      for (const [name, entry] of entries) if (state.entries.get(name) !== entry) wipeEntry(entry);
    }
  }

  /** Reads vault.bin, falling back to the backup when vault.bin is missing or damaged. */
  async #load(): Promise<Loaded> {
    const main = await this.#io('read the vault', () => this.#fs.read(this.path));
    const mainDigest = main ? sha256(main) : null;
    let mainError: VaultError | null = null;
    if (main) {
      try {
        return { file: parseFile(main, VAULT_FILE), bytes: main, label: VAULT_FILE, notice: null, mainDigest };
      } catch (error) {
        // A newer format is not damage: opening the older backup and writing over it would lose data.
        if (!(error instanceof VaultError) || error.code === 'unsupported_version') throw error;
        mainError = error;
      }
    }
    const backup = await this.#io('read the vault backup', () => this.#fs.read(this.backupPath));
    if (!backup) {
      if (mainError)
        throw new VaultError(mainError.code, `${mainError.message}; there is no backup (${BACKUP_FILE}) to fall back to`, {
          cause: mainError,
        });
      throw new VaultError('no_vault', `no vault in ${this.dataDir}: create one first`);
    }
    let file: VaultFile;
    try {
      file = parseFile(backup, BACKUP_FILE);
    } catch (error) {
      if (mainError && error instanceof VaultError) {
        throw new VaultError(mainError.code, `${mainError.message}; the backup is unusable too: ${error.message}`, { cause: error });
      }
      throw error;
    }
    const why = mainError ? mainError.message : `${VAULT_FILE} is missing`;
    return {
      file,
      bytes: backup,
      label: BACKUP_FILE,
      notice: `${why}. Opened the backup ${BACKUP_FILE} (the version before the last change) instead; the next change rewrites ${VAULT_FILE}.`,
      mainDigest,
    };
  }

  /** One rate-limited password attempt against the file on disk. */
  async #attempt(password: string): Promise<Opened> {
    this.#checkRate();
    const loaded = await this.#load();
    try {
      return await this.#open(loaded, password);
    } catch (error) {
      if (error instanceof VaultError && error.code === 'wrong_password') this.#recordFailure();
      throw error;
    }
  }

  /** Derives, unwraps and decrypts; on a body that fails authentication, tries the backup. */
  async #open(loaded: Loaded, password: string): Promise<Opened> {
    const dataKey = await unwrapDataKey(password, loaded.file);
    if (!dataKey) {
      const hint =
        loaded.label === BACKUP_FILE
          ? ` for the backup ${BACKUP_FILE} (if you changed the password since it was written, use the previous one)`
          : '';
      throw new VaultError('wrong_password', `wrong master password${hint}`);
    }
    const entries = decryptBody(dataKey, loaded.file);
    if (entries === 'tampered' || entries instanceof VaultError) {
      dataKey.fill(0);
      const problem =
        entries === 'tampered'
          ? new VaultError(
              'tampered',
              `${loaded.label} failed its authentication check: its contents were altered (or damaged and its checksum recomputed); no keys were loaded`,
            )
          : entries;
      if (loaded.label === VAULT_FILE) {
        const backup = await this.#io('read the vault backup', () => this.#fs.read(this.backupPath));
        if (backup) {
          try {
            const file = parseFile(backup, BACKUP_FILE);
            const opened = await this.#open(
              { file, bytes: backup, label: BACKUP_FILE, notice: null, mainDigest: loaded.mainDigest },
              password,
            );
            return {
              ...opened,
              notice: `${problem.message}. Opened the backup ${BACKUP_FILE} (the version before the last change) instead.`,
            };
          } catch {
            // Fall through: report the main file's problem, which is the one to fix.
          }
        }
      }
      throw problem;
    }
    const file = loaded.file;
    return {
      state: {
        dataKey,
        entries,
        parts: { kdf: file.kdf, salt: file.salt, wrapNonce: file.wrapNonce, wrappedKey: file.wrappedKey, wrapTag: file.wrapTag },
      },
      bytes: loaded.bytes,
      notice: loaded.notice,
      mainDigest: loaded.mainDigest,
    };
  }

  /** Re-wraps the data key with this vault's (stronger) scrypt parameters. Best effort. */
  async #upgradeKdf(password: string): Promise<void> {
    const state = this.#state;
    if (!state) return;
    try {
      const parts = await wrapDataKey(password, state.dataKey, this.#kdf);
      await this.#commit(buildFile(parts, state.dataKey, state.entries), this.#current);
      if (this.#state === state) state.parts = parts;
    } catch (error) {
      this.#notice(`could not raise the vault's key-derivation cost: ${(error as Error).message}`);
    }
  }

  /**
   * Atomic replace: backup first (so vault.bin is never missing), then vault.bin, each through a
   * fresh temp file that is fsynced before the rename; then the folder is fsynced.
   */
  async #commit(bytes: Buffer, backup: Buffer | null): Promise<void> {
    const onDisk = await this.#io('read the vault', () => this.#fs.read(this.path));
    const digest = onDisk ? sha256(onDisk) : null;
    if (!sameDigest(digest, this.#mainDigest)) {
      throw new VaultError(
        'conflict',
        `${VAULT_FILE} changed on disk since it was opened (another Stratdesk or the vault CLI?); lock and unlock to load it, then repeat the change`,
      );
    }
    if (backup) await this.#replace(this.backupPath, backup);
    await this.#replace(this.path, bytes);
    this.#mainDigest = sha256(bytes);
    this.#current = bytes;
    await this.#io('sync the data folder', () => this.#fs.syncDir(this.dataDir));
  }

  async #replace(target: string, bytes: Buffer): Promise<void> {
    try {
      await replaceFile(this.#fs, target, bytes, FILE_MODE, TEMP_PREFIX);
    } catch (error) {
      throw writeError(error, target === this.path ? VAULT_FILE : BACKUP_FILE, bytes.length);
    }
  }

  /** Temp files left by a crash mid-write: never read, removed when the vault is opened or created. */
  async #removeStaleTemps(): Promise<void> {
    await removeStaleTemps(this.#fs, this.dataDir, TEMP_PREFIX);
  }

  async #io<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof VaultError) throw error;
      throw new VaultError('io', `could not ${what}: ${(error as Error).message}`, { cause: error });
    }
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

function wipeState(state: Unlocked): void {
  state.dataKey.fill(0);
  for (const entry of state.entries.values()) wipeEntry(entry);
  state.entries.clear();
}

function sameDigest(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}

function writeError(error: unknown, label: string, size: number): VaultError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new VaultError(
      'disk_full',
      `the disk is full: ${label} was not changed (a write of ${size} bytes failed); free some space and try again`,
      { cause: error },
    );
  }
  return new VaultError('io', `could not write ${label}: ${(error as Error).message}; it was not changed`, { cause: error });
}

function checkNewPassword(password: string): void {
  if ([...password.normalize('NFC')].length < MIN_PASSWORD_LENGTH) {
    throw new VaultError('invalid', `the master password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  }
}

function checkName(name: string): void {
  // eslint-disable-next-line no-control-regex
  if (name.length === 0 || name.length > 128 || name.trim() !== name || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new VaultError('invalid', 'an entry name is 1 to 128 characters, without control characters or surrounding spaces');
  }
}

function checkField(field: string, value: string): void {
  if (value.trim() === '') throw new VaultError('invalid', `the ${field} is empty`);
  if (value.length > MAX_FIELD_LENGTH) throw new VaultError('invalid', `the ${field} is longer than ${MAX_FIELD_LENGTH} characters`);
}

function deriveKey(password: string, salt: Buffer, kdf: KdfParams): Promise<Buffer> {
  const secret = Buffer.from(password.normalize('NFC'), 'utf8');
  // OpenSSL needs 128·N·r for V plus 128·r·p for B; a little slack on top.
  const maxmem = kdfMemory(kdf) + 128 * kdf.r * (kdf.p + 2) + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_LENGTH, { N: 2 ** kdf.log2N, r: kdf.r, p: kdf.p, maxmem }, (error, key) => {
      secret.fill(0);
      if (error) reject(new VaultError('io', `key derivation failed: ${error.message}`, { cause: error }));
      else resolve(key);
    });
  });
}

async function wrapDataKey(password: string, dataKey: Buffer, kdf: KdfParams): Promise<VaultFileParts> {
  const salt = randomBytes(SALT_LENGTH);
  const kek = await deriveKey(password, salt, kdf);
  try {
    const wrapNonce = randomBytes(NONCE_LENGTH);
    const cipher = createCipheriv('aes-256-gcm', kek, wrapNonce);
    cipher.setAAD(wrapAadFor(kdf, salt));
    const wrappedKey = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return { kdf: { ...kdf }, salt, wrapNonce, wrappedKey, wrapTag: cipher.getAuthTag() };
  } finally {
    kek.fill(0);
  }
}

/** The data key, or null when the password (or the authenticated header) is wrong. */
async function unwrapDataKey(password: string, file: VaultFile): Promise<Buffer | null> {
  const kek = await deriveKey(password, file.salt, file.kdf);
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, file.wrapNonce);
    decipher.setAAD(file.wrapAad);
    decipher.setAuthTag(file.wrapTag);
    const first = decipher.update(file.wrappedKey);
    try {
      const key = Buffer.concat([first, decipher.final()]);
      return key.length === KEY_LENGTH ? key : null;
    } catch {
      return null;
    } finally {
      first.fill(0);
    }
  } finally {
    kek.fill(0);
  }
}

function decryptBody(dataKey: Buffer, file: VaultFile): Map<string, EntrySecrets> | 'tampered' | VaultError {
  const decipher = createDecipheriv('aes-256-gcm', dataKey, file.bodyNonce);
  decipher.setAAD(file.header);
  decipher.setAuthTag(file.bodyTag);
  const plain = decipher.update(file.body);
  try {
    decipher.final();
  } catch {
    plain.fill(0);
    return 'tampered';
  }
  try {
    return decodeEntries(plain, VAULT_FILE);
  } catch (error) {
    if (error instanceof VaultError) return error;
    throw error;
  } finally {
    plain.fill(0);
  }
}

function buildFile(parts: VaultFileParts, dataKey: Buffer, entries: ReadonlyMap<string, EntrySecrets>): Buffer {
  const plain = encodeEntries(entries);
  try {
    const header = headerFor(parts, plain.length);
    const nonce = randomBytes(NONCE_LENGTH);
    const cipher = createCipheriv('aes-256-gcm', dataKey, nonce);
    cipher.setAAD(header);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return serializeFile(header, nonce, body, cipher.getAuthTag());
  } finally {
    plain.fill(0);
  }
}
