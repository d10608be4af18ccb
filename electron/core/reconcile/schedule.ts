/**
 * The slow timer (issue 13): every account reconciled on start (which records its baseline near the
 * moment the app starts trading) and again every `intervalMs`, one account after another so the
 * balance and history reads never burst on the exchange's weight budget. The latest answer per
 * account is kept; `onResult` lets the host publish or alert on it.
 */
import type { Result } from '../../../shared/contract.ts';
import type { Reconciliation } from '../../../shared/model.ts';
import type { Clock, TimerHandle } from '../clock.ts';

/** Five minutes: balances and three histories per account, on a budget trading also needs. */
export const DEFAULT_RECONCILE_INTERVAL_MS = 5 * 60_000;

export interface ReconcileScheduleOptions {
  clock: Clock;
  intervalMs?: number;
  /** When the first round runs after `start` (ms; default 0). */
  firstDelayMs?: number;
  /** The accounts to reconcile now (the workspace's connected ones). */
  accounts: () => readonly string[];
  run: (accountId: string) => Promise<Result<Reconciliation>>;
  onResult?: (accountId: string, result: Result<Reconciliation>) => void;
}

export class ReconcileSchedule {
  #o: ReconcileScheduleOptions;
  #timer: TimerHandle | null = null;
  #latest = new Map<string, Result<Reconciliation>>();
  #round: Promise<void> | null = null;
  #isStopped = true;

  constructor(options: ReconcileScheduleOptions) {
    this.#o = options;
  }

  start(): void {
    if (!this.#isStopped) return;
    this.#isStopped = false;
    this.#schedule(this.#o.firstDelayMs ?? 0);
  }

  /** Stops the timer and waits for a round in progress. */
  async stop(): Promise<void> {
    this.#isStopped = true;
    this.#timer?.cancel();
    this.#timer = null;
    await this.#round;
  }

  /** The last answer for an account, or null before its first round. */
  latest(accountId: string): Result<Reconciliation> | null {
    return this.#latest.get(accountId) ?? null;
  }

  #schedule(ms: number): void {
    if (this.#isStopped) return;
    this.#timer = this.#o.clock.after(ms, () => {
      this.#round = this.#runRound().finally(() => {
        this.#round = null;
        this.#schedule(this.#o.intervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS);
      });
    });
  }

  async #runRound(): Promise<void> {
    for (const id of this.#o.accounts()) {
      if (this.#isStopped) return;
      let result: Result<Reconciliation>;
      try {
        result = await this.#o.run(id);
      } catch (error) {
        // `run` answers a Result; a throw is a bug there, kept as an answer rather than ending the timer.
        result = { ok: false, error: { code: 'internal', message: (error as Error).message } };
      }
      this.#latest.set(id, result);
      this.#o.onResult?.(id, result);
    }
  }
}
