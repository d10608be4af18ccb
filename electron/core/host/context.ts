/** What the command handlers may use of the host: its parts and a few named operations. */
import type { CommandInput, Result } from '../../../shared/contract.ts';
import type { InstanceView, RebalancePlan, Reconciliation, Snapshot, StrategyView } from '../../../shared/model.ts';
import type { Clock } from '../clock.ts';
import type { BotEngine, StrategyInstance } from '../engine/botEngine.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { PortfolioManager } from '../portfolio/portfolioManager.ts';
import type { PortfolioSync } from '../sync/portfolioSync.ts';
import type { Control } from './control.ts';
import type { ExchangeCatalog } from './exchanges.ts';
import type { CommandSource } from './handlers.ts';
import type { SessionPool } from './sessions.ts';
import type { VaultDeps } from './vaultHandlers.ts';
import type { WorkspaceService } from './workspaces.ts';

export interface HostContext {
  readonly engine: BotEngine;
  readonly ledger: Ledger;
  readonly portfolio: PortfolioManager;
  readonly sync: PortfolioSync;
  readonly clock: Clock;
  readonly sessions: SessionPool;
  readonly control: Control;
  readonly workspaces: WorkspaceService;
  readonly exchanges: ExchangeCatalog;
  snapshot(): Snapshot;
  publish(): void;
  /** "Syncs first": streamed instances connected and caught up count as current; the others read REST now. */
  syncFirst(): Promise<void>;
  strategyView(instance: StrategyInstance): StrategyView;
  instanceView(instance: StrategyInstance): InstanceView;
  audit(action: string, target: string, source: CommandSource, reason: string | null, detail: unknown): void;
  vaultDeps(): VaultDeps;
  /** Keeps a dry-run plan so Apply can name it; returns it. */
  rememberPlan(plan: RebalancePlan): RebalancePlan;
  reviewedPlan(id: string): RebalancePlan | null;
  reconcile(accountId: string): Promise<Result<Reconciliation>>;
  assignFill(input: CommandInput<'account/assignFill'>, source: CommandSource): Promise<Result<Reconciliation>>;
}
