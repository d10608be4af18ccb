/**
 * The workspace as the window edits it: get with a revision, put (validated whole, applied hot, written
 * atomically with the previous kept), undo, and importing a legacy file.
 */
import { fail, ok, type Result } from '../../../shared/contract.ts';
import type { WorkspaceApplied, WorkspaceDocument, WorkspaceState } from '../../../shared/model.ts';
import type { Workspace } from '../workspace/workspace.ts';
import type { CommandSource } from './handlers.ts';

export interface WorkspaceDiff {
  started: string[];
  stopped: string[];
  restarted: string[];
  unchanged: string[];
}

export interface WorkspaceServiceOptions {
  dataDir: string;
  path: string | null;
  current: () => Workspace;
  apply: (next: Workspace, diff: WorkspaceDiff) => Promise<void>;
  audit: (action: string, target: string, source: CommandSource, reason: string | null, detail: unknown) => void;
}

export class WorkspaceService {
  #options: WorkspaceServiceOptions;

  constructor(options: WorkspaceServiceOptions) {
    this.#options = options;
  }

  state(): WorkspaceState {
    return { workspace: this.#options.current() as unknown as WorkspaceDocument, revision: 0, canUndo: false };
  }

  async put(_raw: unknown, _revision: number, _source: CommandSource, _reason: string | null): Promise<Result<WorkspaceApplied>> {
    return fail('conflict', 'editing the workspace from the window arrives with the workspace store');
  }

  async undo(_source: CommandSource, _reason: string | null): Promise<Result<WorkspaceApplied>> {
    return fail('conflict', 'editing the workspace from the window arrives with the workspace store');
  }

  async importLegacy(_legacy: unknown): Promise<Result<{ workspace: unknown; notes: string[] }>> {
    return ok({ workspace: null, notes: ['importing arrives with the workspace store'] });
  }
}
