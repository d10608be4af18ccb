/**
 * The workspace as the window edits it (DESIGN.md, `GET/PUT /api/workspace`): get with its revision,
 * put (validated whole by the store, written atomically with the history kept, then applied hot by
 * the host), undo, and importing a legacy file for review. Every applied change is audited.
 */
import { fail, failFields, ok, type Result } from '../../../shared/contract.ts';
import type { WorkspaceApplied, WorkspaceDocument, WorkspaceState } from '../../../shared/model.ts';
import type { WorkspaceDiff } from '../workspace/diff.ts';
import { WorkspaceStore, maskWorkspace, type StoreResult } from '../workspace/store.ts';
import { validateWorkspace, type Workspace } from '../workspace/workspace.ts';
import type { CommandSource } from './handlers.ts';

export type { WorkspaceDiff };

export interface WorkspaceServiceOptions {
  /** The workspace file; null for the demo (revisions kept in memory). */
  path: string | null;
  current: () => Workspace;
  apply: (next: Workspace, diff: WorkspaceDiff) => Promise<void>;
  audit: (action: string, target: string, source: CommandSource, reason: string | null, detail: unknown) => void;
}

export class WorkspaceService {
  #options: WorkspaceServiceOptions;
  #store: Promise<WorkspaceStore> | null = null;

  constructor(options: WorkspaceServiceOptions) {
    this.#options = options;
  }

  async state(): Promise<WorkspaceState> {
    const view = (await this.#open()).get();
    return { workspace: asDocument(view.workspace), revision: view.revision, canUndo: view.canUndo };
  }

  async put(raw: unknown, revision: number, source: CommandSource, reason: string | null): Promise<Result<WorkspaceApplied>> {
    const store = await this.#open();
    return this.#answer('workspace/put', await store.put(raw, revision, this.#options.apply), source, reason);
  }

  async undo(source: CommandSource, reason: string | null): Promise<Result<WorkspaceApplied>> {
    const store = await this.#open();
    return this.#answer('workspace/undo', await store.undo(this.#options.apply), source, reason);
  }

  /** A legacy single-strategy file as a version-2 workspace to review (not applied), with what migrating changed. */
  importLegacy(legacy: unknown): Result<{ workspace: unknown; notes: string[] }> {
    const checked = validateWorkspace(legacy);
    if (!checked.ok) return failFields(`the file has ${checked.fields.length} mistake(s)`, checked.fields);
    return ok({ workspace: asDocument(maskWorkspace(checked.workspace)), notes: checked.notes });
  }

  #open(): Promise<WorkspaceStore> {
    this.#store ??= WorkspaceStore.open({ path: this.#options.path, initial: this.#options.current() });
    return this.#store;
  }

  #answer(action: string, result: StoreResult, source: CommandSource, reason: string | null): Result<WorkspaceApplied> {
    if (!result.ok) {
      if (result.reason === 'invalid') return failFields(result.message, result.fields);
      return fail('conflict', result.message);
    }
    this.#options.audit(action, 'workspace', source, reason, { revision: result.revision, ...result.diff });
    return ok({ revision: result.revision, applied: result.diff });
  }
}

/** The validated workspace as the JSON document the window edits. */
function asDocument(workspace: Workspace): WorkspaceDocument {
  return workspace as unknown as WorkspaceDocument;
}
