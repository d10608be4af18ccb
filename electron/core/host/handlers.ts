/**
 * One handler per command, in a map typed by the contract: a command without a handler, or a handler
 * answering the wrong type, fails to compile (the shape Actual Budget's handlers use). The host parses
 * every input with the command's schema before a handler sees it.
 */
import { fail, ok, type CommandInput, type CommandName, type CommandOutputs, type Result } from '../../../shared/contract.ts';
import { REBALANCE_POLICIES, type EquityPoint } from '../../../shared/model.ts';
import { auditView, downsample, equityPoint, fillView, fillsCsv, fundingCsv, fundingView, metricsCsv } from '../reports.ts';
import type { HostContext } from './context.ts';
import { runVault, vaultStatus } from './vaultHandlers.ts';

export type CommandSource = 'window' | 'api' | 'cli' | 'system';

export type Handler<N extends CommandName> = (input: CommandInput<N>, source: CommandSource) => Promise<Result<CommandOutputs[N]>>;
export type Handlers = { readonly [N in CommandName]: Handler<N> };

export function createHandlers(h: HostContext): Handlers {
  return {
    'portfolio/get': async () => {
      await h.syncFirst();
      return ok(h.snapshot());
    },
    'portfolio/allocation': async () => {
      await h.syncFirst();
      return ok(h.portfolio.allocation());
    },
    'portfolio/rebalance': async (input, source) => {
      await h.syncFirst();
      const policy = REBALANCE_POLICIES.find((p) => p === input.policy) ?? h.portfolio.policy;
      if (input.dryRun) return ok(h.rememberPlan(h.portfolio.plan(policy, true)));
      // Apply what was reviewed: the plan named by its id, only if the state it was made from still holds.
      let plan = input.planId === undefined ? h.portfolio.plan(policy, false) : h.reviewedPlan(input.planId);
      if (plan === null) return fail('not_found', `no reviewed plan "${input.planId ?? ''}": review the plan again`);
      if (plan.fingerprint !== h.portfolio.fingerprint())
        return fail('conflict', 'the portfolio moved since this plan was made (a status, a capital or a target changed): review again');
      plan = h.portfolio.apply({ ...plan, dryRun: false }, (id) => h.engine.get(id)?.isRunning ?? false);
      h.audit('portfolio/rebalance', 'portfolio', source, input.reason ?? null, {
        policy: plan.policy,
        planId: plan.id,
        moves: plan.moves.map((m) => ({ id: m.id, before: m.before, after: m.after, move: m.move })),
      });
      h.publish();
      return ok(plan);
    },
    'portfolio/stopAll': async (input, source) => ok(await h.control.stopAll(source, input.reason ?? null)),
    'strategy/pause': async (input, source) => h.control.pause(input.id, source, input.reason ?? null),
    'strategy/resume': async (input, source) => h.control.resume(input.id, source, input.reason ?? null),
    'instance/start': async (input, source) => h.control.start(input.id, source, input.reason ?? null),
    'instance/stop': async (input, source) => h.control.stop(input.id, source, input.reason ?? null),
    'instance/cancelOrder': async (input, source) =>
      h.control.cancelOrder(input.id, input.orderId, input.symbol, source, input.reason ?? null),
    'instance/cancelAll': async (input, source) => h.control.cancelAll(input.id, source, input.reason ?? null),
    'instance/detail': async (input) => {
      const instance = h.engine.get(input.id);
      if (!instance) return fail('not_found', `no instance "${input.id}"`);
      const equity = h.ledger.equitySamples(instance.id).map(equityPoint);
      const strategy = h.strategyView(instance);
      equity.push({ t: h.clock.now(), totalPnl: strategy.metrics.totalPnl, equity: strategy.allocation + strategy.metrics.totalPnl });
      const book = await h.control.openOrders(instance);
      return ok({
        strategy,
        instance: h.instanceView(instance),
        fills: h.ledger.recentFills(instance.id, input.fills ?? 500).map(fillView),
        funding: h.ledger.fundingFor(instance.id, input.fills ?? 500).map(fundingView),
        equity: downsample(equity, 1000),
        audit: h.ledger.auditFor(instance.id, 200).map(auditView),
        openOrders: book.orders,
        openOrdersError: book.error,
        stillOpen: instance.stillOpen(),
      });
    },
    'instance/export': async (input) => {
      const instance = h.engine.get(input.id);
      if (!instance) return fail('not_found', `no instance "${input.id}"`);
      const csv =
        input.kind === 'fills'
          ? fillsCsv(h.ledger.fillsFor(instance.id))
          : input.kind === 'funding'
            ? fundingCsv(h.ledger.fundingFor(instance.id))
            : metricsCsv(h.ledger.equitySamples(instance.id));
      return ok({ filename: `stratdesk-${instance.id}-${input.kind}.csv`, csv });
    },
    'portfolio/history': async (input) => {
      const series: Record<string, EquityPoint[]> = {};
      for (const instance of h.engine.all())
        series[instance.id] = downsample(h.ledger.equitySamples(instance.id).map(equityPoint), input.points ?? 120);
      return ok({ asOf: new Date(h.clock.now()).toISOString(), series });
    },
    'audit/list': async (input) => ok(h.ledger.auditFor(input.target, input.limit ?? 200).map(auditView)),
    'vault/status': async () =>
      h.vaultDeps().vault ? ok(await vaultStatus(h.vaultDeps())) : fail('not_found', 'this host has no key vault'),
    'vault/create': async (input, source) => runVault(h.vaultDeps(), 'vault/create', input, source),
    'vault/unlock': async (input, source) => runVault(h.vaultDeps(), 'vault/unlock', input, source),
    'vault/lock': async (input, source) => runVault(h.vaultDeps(), 'vault/lock', input, source),
    'vault/changePassword': async (input, source) => runVault(h.vaultDeps(), 'vault/changePassword', input, source),
    'vault/put': async (input, source) => runVault(h.vaultDeps(), 'vault/put', input, source),
    'vault/remove': async (input, source) => runVault(h.vaultDeps(), 'vault/remove', input, source),
    'account/test': async (input) => ok(await h.sessions.test(input.id)),
    'account/reconcile': async (input) => h.reconcile(input.id),
    'account/assignFill': async (input, source) => h.assignFill(input, source),
    'workspace/get': async () => ok(await h.workspaces.state()),
    'workspace/put': async (input, source) => h.workspaces.put(input.workspace, input.revision, source, input.reason ?? null),
    'workspace/undo': async (input, source) => h.workspaces.undo(source, input.reason ?? null),
    'workspace/import': async (input) => h.workspaces.importLegacy(input.legacy),
    'exchange/list': async () => ok({ exchanges: await h.exchanges.list() }),
    'exchange/markets': async (input) => h.exchanges.markets(input.exchange, input.account),
  };
}
