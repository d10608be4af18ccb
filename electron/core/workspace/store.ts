/**
 * The workspace as the window and the API edit it (DESIGN.md, `GET/PUT /api/workspace`, undo):
 *
 * - `revision`: a whole number that grows with every applied change and survives restarts (it is the
 *   newest entry of the history); a put naming another revision is a conflict and changes nothing.
 * - `put` validates the WHOLE document first (every mistake named, nothing changed), then writes the
 *   file atomically (temp beside it, fsync, rename, fsync the folder: a crash or kill -9 mid-write
 *   leaves the previous file whole), then records the revision in the history, then lets the caller
 *   apply it. Puts and undos run one at a time.
 * - The history (`<file>.history/<revision>.json`, the last `historyLimit`) keeps each revision with
 *   the one it replaced, so undo walks back one change at a time; an undo is itself a new revision.
 *   A file edited by hand while the app was closed becomes a new revision whose undo is what the app
 *   last wrote.
 * - `get` masks inline keys; a masked value sent back keeps the key it stands for.
 */
import { basename, dirname, join } from 'node:path';
import { maskKey } from '../vault/vault.ts';
import { nodeVaultFs, removeStaleTemps, replaceFile, type VaultFileSystem } from '../vault/vaultFs.ts';
import { canonicalJson, diffWorkspaces, type WorkspaceDiff } from './diff.ts';
import {
  formatPath,
  validateWorkspace,
  WorkspaceError,
  type FieldError,
  type ValidateOptions,
  type Workspace,
  type WorkspaceCheck,
} from './workspace.ts';

const FILE_MODE = 0o600;
/** What `get` shows for a secret or passphrase (the API key shows its last four when it is long). */
export const SECRET_MASK = '••••';

export interface WorkspaceStoreOptions {
  /** The workspace file; null keeps revisions in memory only (the demo). */
  path: string | null;
  /** The workspace the app booted with (already validated); when absent, read from `path`. */
  initial?: Workspace;
  /** How many revisions the history keeps (default 20). */
  historyLimit?: number;
  fs?: VaultFileSystem;
  validate?: ValidateOptions;
  now?: () => number;
}

export interface WorkspaceView {
  /** The current workspace with inline keys masked. */
  workspace: Workspace;
  revision: number;
  canUndo: boolean;
}

export type StoreResult =
  | {
      ok: true;
      revision: number;
      previous: Workspace;
      workspace: Workspace;
      diff: WorkspaceDiff;
      /** What a legacy migration changed or dropped. */
      notes: string[];
    }
  | { ok: false; reason: 'invalid'; message: string; fields: FieldError[] }
  | { ok: false; reason: 'conflict'; message: string; revision: number }
  | { ok: false; reason: 'nothing_to_undo'; message: string };

/** Runs after the change is on disk and before the next put starts: the host's hot apply. */
export type ApplyChange = (next: Workspace, diff: WorkspaceDiff) => Promise<void>;

interface HistoryEntry {
  revision: number;
  /** The revision an undo of this one goes back to. */
  parent: number | null;
  savedAt: string;
  workspace: Workspace;
}

export class WorkspaceStore {
  readonly path: string | null;
  #fs: VaultFileSystem;
  #validate: ValidateOptions;
  #limit: number;
  #now: () => number;
  #current: HistoryEntry;
  /** The history in memory; on disk too when there is a file. */
  #history = new Map<number, HistoryEntry>();
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(options: WorkspaceStoreOptions, current: HistoryEntry) {
    this.path = options.path;
    this.#fs = options.fs ?? nodeVaultFs;
    this.#validate = options.validate ?? {};
    this.#limit = Math.max(2, options.historyLimit ?? 20);
    this.#now = options.now ?? Date.now;
    this.#current = current;
  }

  /** Opens the store: the file's workspace (or `initial`) at its revision from the history. */
  static async open(options: WorkspaceStoreOptions): Promise<WorkspaceStore> {
    const fs = options.fs ?? nodeVaultFs;
    const now = options.now ?? Date.now;
    let initial = options.initial;
    if (initial === undefined) {
      if (options.path === null) throw new WorkspaceError('a workspace store without a file needs its initial workspace');
      const bytes = await fs.read(options.path);
      if (bytes === null) throw new WorkspaceError(`cannot read workspace ${options.path}: it does not exist`);
      initial = checked(parseJson(bytes, options.path), options.validate ?? {}, options.path).workspace;
    }
    if (options.path === null) return WorkspaceStore.inMemory(initial, options);
    const blank: HistoryEntry = { revision: 1, parent: null, savedAt: new Date(now()).toISOString(), workspace: initial };
    const store = new WorkspaceStore(options, blank);
    await removeStaleTemps(fs, dirname(options.path), tempPrefix(options.path));
    await store.#loadHistory();
    const newest = Math.max(0, ...store.#history.keys());
    const last = store.#history.get(newest);
    if (last !== undefined && canonicalJson(last.workspace) === canonicalJson(initial)) {
      store.#current = last;
    } else {
      // First open, or the file changed by hand since the app last wrote it: a revision of its own.
      store.#current = { ...blank, revision: newest + 1, parent: last?.revision ?? null };
      await store.#record(store.#current);
    }
    return store;
  }

  /** A store without a file (the demo, tests): revisions and undo in memory, nothing written. */
  static inMemory(initial: Workspace, options: Omit<WorkspaceStoreOptions, 'path' | 'initial' | 'fs'> = {}): WorkspaceStore {
    const entry: HistoryEntry = {
      revision: 1,
      parent: null,
      savedAt: new Date((options.now ?? Date.now)()).toISOString(),
      workspace: initial,
    };
    const store = new WorkspaceStore({ ...options, path: null }, entry);
    store.#history.set(1, entry);
    return store;
  }

  get workspace(): Workspace {
    return this.#current.workspace;
  }

  get revision(): number {
    return this.#current.revision;
  }

  get canUndo(): boolean {
    return this.#current.parent !== null && this.#history.has(this.#current.parent);
  }

  /** What `GET /api/workspace` answers: the workspace with inline keys masked, its revision, whether undo can run. */
  get(): WorkspaceView {
    return { workspace: maskWorkspace(this.#current.workspace), revision: this.revision, canUndo: this.canUndo };
  }

  /**
   * Replaces the workspace with `raw` (any known version), when `revision` is the current one and
   * the whole document is valid; masked keys keep the keys they stand for. `apply` runs after the
   * file is written, before the next change may start.
   */
  put(raw: unknown, revision: number, apply?: ApplyChange): Promise<StoreResult> {
    return this.#serial(async () => {
      if (revision !== this.revision) {
        return {
          ok: false,
          reason: 'conflict',
          revision: this.revision,
          message: `the workspace changed since revision ${revision} (now ${this.revision}): load it again and repeat the change`,
        };
      }
      const unmasked = unmaskWorkspace(raw, this.#current.workspace);
      const result = unmasked.fields.length > 0 ? null : validateWorkspace(unmasked.raw, this.#validate);
      if (result === null || !result.ok) {
        const fields = result === null ? unmasked.fields : result.fields;
        return { ok: false, reason: 'invalid', message: `the workspace has ${fields.length} mistake(s); nothing was changed`, fields };
      }
      return this.#commit(result.workspace, this.revision, result.notes, apply);
    });
  }

  /** Puts back the revision before the current one, as a new revision (applied the same way as a put). */
  undo(apply?: ApplyChange): Promise<StoreResult> {
    return this.#serial(async () => {
      const target = this.#current.parent === null ? undefined : this.#history.get(this.#current.parent);
      if (target === undefined) return { ok: false, reason: 'nothing_to_undo', message: 'there is no earlier revision to go back to' };
      // Valid when it was written; checked again in case what "valid" means moved since (ccxt's list, a param's range).
      const result = validateWorkspace(target.workspace, this.#validate);
      if (!result.ok) {
        return {
          ok: false,
          reason: 'invalid',
          message: `revision ${target.revision} is no longer valid; nothing was changed`,
          fields: result.fields,
        };
      }
      return this.#commit(result.workspace, target.parent, [], apply);
    });
  }

  async #commit(next: Workspace, parent: number | null, notes: string[], apply: ApplyChange | undefined): Promise<StoreResult> {
    const previous = this.#current.workspace;
    const diff = diffWorkspaces(previous, next);
    if (canonicalJson(next) === canonicalJson(previous)) {
      return { ok: true, revision: this.revision, previous, workspace: previous, diff, notes };
    }
    const entry: HistoryEntry = { revision: this.revision + 1, parent, savedAt: new Date(this.#now()).toISOString(), workspace: next };
    if (this.path !== null) {
      // The file first, then the history: a crash between the two leaves a file the history does not
      // know yet, which the next open records as a revision of its own (nothing applied is lost).
      await replaceFile(this.#fs, this.path, Buffer.from(`${JSON.stringify(next, null, 2)}\n`), FILE_MODE, tempPrefix(this.path));
      await this.#fs.syncDir(dirname(this.path));
    }
    await this.#record(entry);
    this.#current = entry;
    if (apply) await apply(next, diff);
    return { ok: true, revision: entry.revision, previous, workspace: next, diff, notes };
  }

  async #record(entry: HistoryEntry): Promise<void> {
    this.#history.set(entry.revision, entry);
    const dropped = [...this.#history.keys()].filter((r) => r <= entry.revision - this.#limit);
    for (const r of dropped) this.#history.delete(r);
    if (this.path === null) return;
    const dir = historyDir(this.path);
    await this.#fs.ensureDir(dir);
    const file = join(dir, `${entry.revision}.json`);
    await replaceFile(this.#fs, file, Buffer.from(`${JSON.stringify(entry, null, 2)}\n`), FILE_MODE, tempPrefix(file));
    for (const r of dropped) await this.#fs.remove(join(dir, `${r}.json`));
    await this.#fs.syncDir(dir);
  }

  async #loadHistory(): Promise<void> {
    if (this.path === null) return;
    const dir = historyDir(this.path);
    await removeStaleTemps(this.#fs, dir, '.');
    const revisions = (await this.#fs.list(dir))
      .map((name) => /^(\d+)\.json$/.exec(name)?.[1])
      .filter((r): r is string => r !== undefined)
      .map(Number)
      .sort((a, b) => b - a)
      .slice(0, this.#limit);
    for (const revision of revisions) {
      const bytes = await this.#fs.read(join(dir, `${revision}.json`));
      // A damaged entry only shortens what undo can reach; it never stops the app.
      const entry = bytes === null ? null : readEntry(bytes, revision);
      if (entry !== null) this.#history.set(revision, entry);
    }
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

/** The workspace with each inline API key masked like the vault masks keys, and secrets and passphrases hidden. */
export function maskWorkspace(workspace: Workspace): Workspace {
  const copy = structuredClone(workspace);
  for (const account of copy.accounts) {
    const c = account.credentials;
    if (c && 'apiKey' in c) {
      account.credentials = {
        apiKey: maskKey(c.apiKey),
        secret: SECRET_MASK,
        ...(c.password !== undefined ? { password: SECRET_MASK } : {}),
      };
    }
  }
  return copy;
}

/**
 * Puts back the keys masked values stand for: a masked field of account `id` stands for the same
 * field of the current account `id`, when its mask matches. A mask that stands for nothing (a new
 * account, a key that changed) is a mistake naming its field.
 */
export function unmaskWorkspace(raw: unknown, current: Workspace): { raw: unknown; fields: FieldError[] } {
  const fields: FieldError[] = [];
  if (!isObject(raw) || !Array.isArray(raw['accounts'])) return { raw, fields };
  // Through JSON, not structuredClone: two accounts sharing one credentials object must not share the unmasking.
  const copy = JSON.parse(JSON.stringify(raw)) as Record<string, unknown> & { accounts: unknown[] };
  for (const [i, account] of copy.accounts.entries()) {
    if (!isObject(account) || !isObject(account['credentials'])) continue;
    const given = account['credentials'];
    const known = current.accounts.find((a) => a.id === account['id'])?.credentials;
    const held = known && 'apiKey' in known ? known : undefined;
    for (const field of ['apiKey', 'secret', 'password'] as const) {
      const value = given[field];
      if (typeof value !== 'string' || !value.startsWith(SECRET_MASK)) continue;
      const secret = held?.[field];
      const mask = secret === undefined ? undefined : field === 'apiKey' ? maskKey(secret) : SECRET_MASK;
      if (secret !== undefined && value === mask) given[field] = secret;
      else {
        fields.push({
          path: formatPath(['accounts', i, 'credentials', field]),
          message: 'a masked value that stands for no key this account holds: type the key itself',
        });
      }
    }
  }
  return { raw: copy, fields };
}

function checked(raw: unknown, options: ValidateOptions, path: string): Extract<WorkspaceCheck, { ok: true }> {
  const result = validateWorkspace(raw, options);
  if (!result.ok) {
    throw new WorkspaceError(`invalid workspace ${path}: ${result.fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, result.fields);
  }
  return result;
}

function parseJson(bytes: Buffer, path: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (error) {
    throw new WorkspaceError(`workspace ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

function readEntry(bytes: Buffer, revision: number): HistoryEntry | null {
  try {
    const entry = JSON.parse(bytes.toString('utf8')) as HistoryEntry;
    if (entry.revision !== revision || typeof entry.workspace !== 'object' || entry.workspace === null) return null;
    return {
      revision,
      parent: typeof entry.parent === 'number' ? entry.parent : null,
      savedAt: String(entry.savedAt),
      workspace: entry.workspace,
    };
  } catch {
    return null;
  }
}

/** `<file>.history/`: beside the file, so two workspaces in one folder keep apart histories. */
export function historyDir(path: string): string {
  return `${path}.history`;
}

function tempPrefix(target: string): string {
  return `.${basename(target)}.tmp-`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
