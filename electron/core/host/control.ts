/**
 * Control that never lies (DESIGN.md, "Control"): every command that touches the book answers with
 * what the exchange shows after it — `stillOpen`, read back from the book, empty only when it is
 * clean. The instances keep retrying failed cancels on their own; this answers and audits.
 */
import { fail, ok, type Result } from '../../../shared/contract.ts';
import type { ControlResult, OpenOrderView, Snapshot, StillOpen } from '../../../shared/model.ts';
import type { BotEngine, StrategyInstance } from '../engine/botEngine.ts';
import type { PortfolioManager } from '../portfolio/portfolioManager.ts';
import type { CommandSource } from './handlers.ts';

export interface ControlDeps {
  engine: BotEngine;
  portfolio: PortfolioManager;
  snapshot: () => Snapshot;
  publish: () => void;
  audit: (action: string, target: string, source: CommandSource, reason: string | null, detail: unknown) => void;
}

export class Control {
  #deps: ControlDeps;

  constructor(deps: ControlDeps) {
    this.#deps = deps;
  }

  async pause(id: string, source: CommandSource, reason: string | null): Promise<Result<ControlResult>> {
    return this.#on(id, 'strategy/pause', source, reason, async (instance) => {
      // Paused first: the loop places nothing from here on, whatever the cancels answer.
      this.#deps.portfolio.pause(instance.id, instance.isRunning);
      return instance.cancelAll('pause');
    });
  }

  async resume(id: string, source: CommandSource, reason: string | null): Promise<Result<ControlResult>> {
    return this.#on(id, 'strategy/resume', source, reason, async (instance) => {
      this.#deps.portfolio.resume(instance.id, instance.isRunning);
      return instance.stillOpen();
    });
  }

  async start(id: string, source: CommandSource, reason: string | null): Promise<Result<ControlResult>> {
    return this.#on(id, 'instance/start', source, reason, async (instance) => {
      instance.start();
      this.#deps.portfolio.applyRules(instance.id, instance.isRunning);
      return instance.stillOpen();
    });
  }

  async stop(id: string, source: CommandSource, reason: string | null): Promise<Result<ControlResult>> {
    return this.#on(id, 'instance/stop', source, reason, async (instance) => {
      const stillOpen = await instance.stop('command');
      this.#deps.portfolio.applyRules(instance.id, instance.isRunning);
      return stillOpen;
    });
  }

  async cancelOrder(
    id: string,
    orderId: string,
    symbol: string,
    source: CommandSource,
    reason: string | null,
  ): Promise<Result<ControlResult>> {
    return this.#on(id, 'instance/cancelOrder', source, reason, async (instance) => instance.cancelOrder(orderId, symbol));
  }

  async cancelAll(id: string, source: CommandSource, reason: string | null): Promise<Result<ControlResult>> {
    return this.#on(id, 'instance/cancelAll', source, reason, async (instance) => instance.cancelAll('cancel all'));
  }

  /** The kill switch: every instance stops at once; the answer lists every order the exchange still shows. */
  async stopAll(source: CommandSource, reason: string | null): Promise<ControlResult> {
    // An instance alone on its account and symbols starts with the exchange's own cancel-all.
    const stillOpen = await this.#deps.engine.stopAll();
    for (const instance of this.#deps.engine.all()) this.#deps.portfolio.applyRules(instance.id, instance.isRunning);
    this.#deps.audit('portfolio/stopAll', 'portfolio', source, reason, { stillOpen });
    this.#deps.publish();
    return { ...this.#deps.snapshot(), stillOpen };
  }

  /** The instance's orders as the exchange shows them now, or why they could not be read. */
  async openOrders(instance: StrategyInstance): Promise<{ orders: OpenOrderView[]; error: string | null }> {
    try {
      const orders = await instance.openOrders();
      return {
        orders: orders.map((o) => ({
          orderId: o.id,
          clientOrderId: o.clientOrderId,
          symbol: o.symbol,
          side: o.side,
          price: o.price,
          amount: o.amount,
          filled: o.filled,
          placedAt: o.timestamp,
        })),
        error: null,
      };
    } catch (error) {
      return { orders: [], error: (error as Error).message };
    }
  }

  async #on(
    id: string,
    action: string,
    source: CommandSource,
    reason: string | null,
    run: (instance: StrategyInstance) => Promise<StillOpen[]> | StillOpen[],
  ): Promise<Result<ControlResult>> {
    const instance = this.#deps.engine.get(id);
    if (!instance) return fail('not_found', `no instance "${id}"`);
    const stillOpen = await run(instance);
    this.#deps.audit(action, instance.id, source, reason, stillOpen.length > 0 ? { stillOpen } : null);
    this.#deps.publish();
    return ok({ ...this.#deps.snapshot(), stillOpen });
  }
}
