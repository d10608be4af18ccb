/**
 * "Sync first" in a burst (issue 12, "100 accounts behind one host"): 100 instances, each on its own
 * account, all behind one Binance host (one IP budget of 6 000 weight a minute), a real Host. Ten
 * `portfolio/get` calls in ten seconds, as a window and a script refreshing would make them. Printed:
 * the weight the burst drew from the host's budget (after the start-up's reads settled), the most granted
 * in one clock minute per pool against its limit, how many answers came back and how fast, and how many
 * instances fail for rate limits before and after it.
 * First the design's case (private streams on: a streamed instance that is caught up is current), then
 * the same burst on a host without streams (every instance reads REST for every call), named as such.
 * `node bench/syncFirstBurst.ts` — prints numbers, never fails on timing.
 */
import { WeightBudgetRegistry, type BudgetTarget, type RequestPriority } from '../electron/core/exchange/weightBudget.ts';
import { openHostDesk } from './hostDesk.ts';
import { percentile, startFleet } from './streamFleet.ts';

const INSTANCES = 100;
const CALLS = 10;

/** Every weight the budget granted, with when (a request waits in acquire until its weight fits): the heaviest minute is read from it. */
class CountingBudgets extends WeightBudgetRegistry {
  draws: { at: number; weight: number; pool: string; limit: number }[] = [];
  asked = 0;
  /** Requests waiting in acquire now. */
  waiting = 0;
  override async acquire(target: BudgetTarget, weight: number, deadline: number | null, priority?: RequestPriority): Promise<void> {
    this.asked += weight;
    this.waiting++;
    try {
      await super.acquire(target, weight, deadline, priority);
    } finally {
      this.waiting--;
    }
    this.draws.push({ at: Date.now(), weight, pool: target.pool, limit: target.policy.limit });
  }
  since(t: number): number {
    return this.draws.filter((d) => d.at >= t).reduce((sum, d) => sum + d.weight, 0);
  }
  /** Per pool of the host (Binance counts each pool apart), the most granted in one clock minute, over its limit: Binance counts per minute of the clock (X-MBX-USED-WEIGHT-1M). */
  heaviestMinutes(): string {
    const perMinute = new Map<string, number>();
    const limits = new Map<string, number>();
    for (const d of this.draws) {
      const k = `${d.pool}@${Math.floor(d.at / 60_000)}`;
      perMinute.set(k, (perMinute.get(k) ?? 0) + d.weight);
      limits.set(d.pool, d.limit);
    }
    return [...limits]
      .map(([pool, limit]) => {
        const most = Math.max(0, ...[...perMinute].filter(([k]) => k.startsWith(`${pool}@`)).map(([, w]) => w));
        return `${pool} ${most} of ${limit}`;
      })
      .join(', ');
  }
}

const fleet = await startFleet(1, INSTANCES);
const url = fleet.urls[0] ?? '';
const accounts = (fleet.keys[0] ?? []).map((apiKey) => ({ url, apiKey, secret: apiKey.replace(/^k/, 's') }));
console.log(`${INSTANCES} instances, each its own account, one Binance host; ${CALLS} portfolio/get in ${CALLS} s`);

for (const streams of [true, false]) {
  const budgets = new CountingBudgets();
  // Observe mode: the burst's cost is the reads, not the strategies' orders. A 60 s timer: no timer round lands in the 10 s.
  const { host, streaming } = await openHostDesk({ n: INSTANCES, accounts, syncIntervalMs: 60_000, mode: 'observe', budgets, streams });
  // The start-up's reads (markets, listen keys, connect-time gap reads, the first reconciliation) settle
  // first, so the burst is measured alone: no request waiting on the budget and none granted for 3 s.
  const opened = Date.now();
  const quietBy = opened + 120_000;
  while (Date.now() < quietBy && (budgets.waiting > 0 || budgets.since(Date.now() - 3000) > 0))
    await new Promise((r) => setTimeout(r, 250));
  const failingNow = (): number =>
    host.snapshot().strategies.filter((v) => v.health.state === 'error' && v.health.lastError?.kind === 'rate_limit').length;
  const failingBefore = failingNow();
  if (process.env.SHOW_ERRORS)
    for (const v of host.snapshot().strategies.filter((x) => x.health.lastError !== null))
      console.log(v.id, JSON.stringify(v.health.lastError));
  const started = Date.now();
  const startWeight = budgets.since(0);

  const answers: number[] = [];
  const failed: string[] = [];
  const calls: Promise<void>[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t = performance.now();
    calls.push(
      host.execute('portfolio/get', {}, 'api').then((r) => {
        answers.push(performance.now() - t);
        if (!r.ok) failed.push(r.error.code);
      }),
    );
    await new Promise((r) => setTimeout(r, 1000));
  }
  await Promise.all(calls);
  const burst = budgets.since(started);
  const views = host.snapshot().strategies;
  const failing = failingNow();
  const everLimited = views.filter((v) => v.health.lastError?.kind === 'rate_limit' || v.health.lastFault?.kind === 'rate_limit').length;
  const sorted = [...answers].sort((a, b) => a - b);
  console.log(
    `${streams ? 'design case, streams on' : 'contrast, no streams (REST for every call)'}: streaming ${streaming()}/${INSTANCES}; start-up drew ${startWeight} and settled in ${((started - opened) / 1000).toFixed(0)} s; the burst drew ${burst} (heaviest clock minute of the run, per pool: ${budgets.heaviestMinutes()}); answers ${answers.length - failed.length}/${CALLS} ok${failed.length > 0 ? ` (${failed.join(', ')})` : ''}, p50 ${percentile(sorted, 50).toFixed(0)} ms, max ${Math.max(...sorted).toFixed(0)} ms; instances failing for rate limits before the burst ${failingBefore}, after it ${failing}, ever hit one (absorbed or shown) ${everLimited}; weight refused by the budget (past a call's deadline) ${budgets.asked - budgets.since(0)}`,
  );
  await host.close();
}
fleet.stop();
