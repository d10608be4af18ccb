/**
 * Reconciliation (issue 13): does the app's money match the account?
 *
 * Per account, the exchange's balances (per wallet: spot free + locked, the USDⓈ-M wallet balance)
 * and perpetual positions are compared with what the account's instances account for, and whatever
 * differs gets a likely cause.
 *
 * The baseline. An account holds money no instance was given (the trader's own, other bots'), so the
 * comparison cannot start from the instances' capital: it starts from the exchange's own balances and
 * positions, read at the account's first reconciliation and stored in the ledger
 * (`reconcile_baselines`). From then on, for every wallet and asset:
 *
 *   accounted = baseline + the effect of every fill the app accounts for since then + funding
 *   explained = deposits − withdrawals (with their fee) ± transfers between wallets since then
 *   difference = exchange − accounted − explained          (0 when everything is accounted for)
 *
 * A fill is accounted for when an instance placed its order (the order journal), when the trader
 * assigned it (to an instance, or "outside"), or when it belongs to an observe instance (which exists
 * to watch the fills of its symbols). Any other fill on the account (a human in the exchange's page,
 * another bot on the same key) is listed as unattributed and is the drift. Perpetual fills move the
 * futures wallet by the exchange's own realized PnL (`fills.exchange_realized`) less fees; where the
 * exchange reports none, by realized PnL folded on the account's net position, as the exchange does.
 * Our own realized and unrealized PnL is checked against the exchange's separately, per perpetual
 * owned by one instance (a mismatch names the symbol and both figures) so each check has one job.
 *
 * The instances' capital is a budget, not money on the exchange: it never enters the difference, but
 * a note says when the budgets add up to more than the account holds.
 *
 * Timing. Balances are a moment; fills have exchange times. Fills with `ts ≤ read time` are in the
 * balances. A fill stamped within `settleMs` of the reading is ambiguous, so the reading is taken
 * again (up to `maxReads`); the ledger is brought up to date (`syncLedger`) after each reading, so a
 * fill the exchange booked before the reading is in the ledger when the two are compared.
 */
import type { Reconciliation, ReconciledAsset, ReconciledPosition, UnattributedFill } from '../../../shared/model.ts';
import { isPerpetual, parseSymbol } from '../../../shared/symbols.ts';
import type { AccountState, ExchangeSession, Movement, PositionReport, WalletKind } from '../exchange/types.ts';
import type { AccountFill, AccountFillSum, Ledger, ReconcileBaseline } from '../ledger/ledger.ts';
import { emptyFold, foldFill, trade, type PositionState } from '../metrics/pnl.ts';

/** One of the account's instances, as reconciliation needs it. */
export interface ReconcileInstance {
  id: string;
  mode: 'live' | 'paper' | 'observe';
  symbols: readonly string[];
  /** Capital budget, in the quote of its first symbol. */
  capital: number;
}

export interface Tolerance {
  /** Absolute, in the asset or in base: below this a difference is rounding. Default 1e-6. */
  amount: number;
  /** Relative to the exchange's figure (a large balance sums many rounded fills). Default 1e-8. */
  relative: number;
  /** Realized and unrealized PnL cross-checks, in the settlement currency. Default 0.01. */
  pnl: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { amount: 1e-6, relative: 1e-8, pnl: 0.01 };

export interface ReconcileOptions {
  /** The account's id in the workspace. */
  account: string;
  /** The account's keyed session: its `exchangeId`/`accountId` are the ledger's keys for the account. */
  session: ExchangeSession;
  ledger: Ledger;
  /** The account's instances (paper ones keep their own book and are left out). */
  instances: readonly ReconcileInstance[];
  now: () => number;
  /** Brings the account's fills and funding into the ledger up to now (the host: `sync.syncNow(ids)`). */
  syncLedger?: () => Promise<void>;
  tolerance?: Partial<Tolerance>;
  /** A fill this close (ms) to the reading makes it ambiguous: read again. Default 1000. */
  settleMs?: number;
  /** Readings before giving up on a quiet moment (and saying so). Default 3. */
  maxReads?: number;
  /** Waits between readings (`settleMs`), so the next one is clear of the fill that spoiled the last. Default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * A matched reading becomes the new baseline once the baseline is this old (ms; default a day), so
   * each reconciliation reads at most about this much history. Nothing is lost: everything up to a
   * matched reading is accounted for. Infinity keeps the first baseline for good.
   */
  rollAfterMs?: number;
}

interface WalletAmounts {
  exchange: number;
  baseline: number;
  accounted: number;
  explained: number;
  unattributed: number;
}

const LISTED_MOVEMENTS = 12;
/** Binance stamps withdrawals to the second: movements are read this far before the baseline, and told apart by id. */
const MOVEMENT_SLACK_MS = 1000;
const DAY_MS = 86_400_000;

/** Reconciles one account now. Never throws for a difference; throws what the exchange threw when it cannot be read. */
export async function reconcileAccount(o: ReconcileOptions): Promise<Reconciliation> {
  const tol: Tolerance = { ...DEFAULT_TOLERANCE, ...o.tolerance };
  const { session, ledger } = o;
  const exchange = session.exchangeId;
  const accountKey = session.accountId;
  const instances = o.instances.filter((i) => i.mode !== 'paper');
  const notes: string[] = [];
  if (session.fetchAccountState === undefined) {
    return {
      account: o.account,
      asOf: new Date(o.now()).toISOString(),
      ok: false,
      assets: [],
      positions: [],
      unattributed: [],
      movements: [],
      notes: [`${exchange} balances cannot be read through this session: nothing was compared.`],
    };
  }
  const previous = ledger.reconcileBaseline(exchange, accountKey);
  const futures =
    instances.some((i) => i.symbols.some(isPerpetual)) ||
    (previous !== null && (previous.positions.length > 0 || previous.balances.some((b) => b.wallet === 'futures')));

  // Read until no fill sits on the reading's edge (or give up and say so).
  const settleMs = o.settleMs ?? 1000;
  const maxReads = Math.max(1, o.maxReads ?? 3);
  let state: AccountState | null = null;
  let readAt = 0;
  let isSettled = false;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let moves: Movement[] = [];
  let movesError: string | null = null;
  let waitMs = 0;
  for (let attempt = 1; attempt <= maxReads && !isSettled; attempt++) {
    if (attempt > 1) await sleep(waitMs);
    const before = o.now();
    state = await session.fetchAccountState({ futures });
    readAt = o.now();
    await o.syncLedger?.();
    try {
      moves = session.fetchMovements ? await session.fetchMovements((previous?.ts ?? before) - MOVEMENT_SLACK_MS, { futures }) : [];
      movesError = null;
    } catch (error) {
      // Balances without histories still say whether anything differs; the note says what cannot be explained.
      moves = [];
      movesError = (error as Error).message;
    }
    // When each thing near the reading may really have happened (a time stamped to the whole second may be up to a second early).
    const from = before - settleMs;
    const to = readAt + settleMs;
    const near = [
      ...ledger.accountFills(exchange, accountKey, from - 1, to).map((f) => f.timestamp),
      ...ledger.accountFunding(exchange, accountKey, from - 1, to).map((f) => f.timestamp),
      ...moves
        .map((m) => m.timestamp + (m.timestamp % 1000 === 0 ? MOVEMENT_SLACK_MS : 0))
        .filter((t) => t >= from && t - MOVEMENT_SLACK_MS <= to),
    ];
    isSettled = near.length === 0;
    // The next reading starts once the latest of them is `settleMs` behind it.
    waitMs = Math.min(Math.max(0, Math.max(...near, 0) + settleMs + 1 - o.now()), settleMs + MOVEMENT_SLACK_MS);
  }
  if (state === null) throw new Error('unreachable: no reading');
  if (!isSettled)
    notes.push(
      `Fills, funding or money movements landed while the balances were read (${maxReads} readings): the figures may be off by them until the next reconciliation.`,
    );

  // This reading as a starting point: whatever the exchange lists as moved by now is in these balances.
  const readingAsBaseline = (): ReconcileBaseline => ({
    exchange,
    account: accountKey,
    ts: readAt,
    balances: state.balances,
    positions: state.positions.map((p) => ({ symbol: p.symbol, qty: p.qty })),
    movementIds: moves.map((m) => m.id),
  });

  let baseline: ReconcileBaseline;
  if (previous === null) {
    baseline = readingAsBaseline();
    ledger.saveReconcileBaseline(baseline, readAt);
    notes.push(`Baseline recorded at ${iso(readAt)}: the balances and positions read now. Every later difference is measured from them.`);
  } else {
    baseline = previous;
    notes.push(`Measured since the baseline of ${iso(baseline.ts)}.`);
  }

  const inBaseline = new Set(baseline.movementIds);
  const movements =
    previous === null
      ? []
      : moves.filter((m) => !inBaseline.has(m.id) && m.timestamp > baseline.ts - MOVEMENT_SLACK_MS && m.timestamp <= readAt);
  if (session.fetchMovements === undefined)
    notes.push(`${exchange} deposits, withdrawals and transfers cannot be read through this session: any would show as a difference.`);
  else if (movesError !== null)
    notes.push(`Deposits, withdrawals and transfers could not be read (${movesError.slice(0, 200)}): any would show as a difference.`);

  const funding = ledger.accountFunding(exchange, accountKey, baseline.ts, readAt);
  const home: WalletKind = state.balances.some((b) => b.wallet === 'unified') || exchange === 'bybit' ? 'unified' : 'spot';
  const derivativeWallet: WalletKind = home === 'unified' ? 'unified' : 'futures';
  const walletsRead = new Set<WalletKind>([home, ...state.balances.map((b) => b.wallet), ...(futures ? [derivativeWallet] : [])]);

  // Per wallet and asset.
  const wallets = new Map<string, WalletAmounts>();
  const cell = (wallet: WalletKind, asset: string): WalletAmounts => {
    const key = `${wallet}|${asset}`;
    let c = wallets.get(key);
    if (c === undefined) {
      c = { exchange: 0, baseline: 0, accounted: 0, explained: 0, unattributed: 0 };
      wallets.set(key, c);
    }
    return c;
  };
  for (const b of state.balances) cell(b.wallet, b.asset).exchange += b.total;
  for (const b of baseline.balances) if (walletsRead.has(b.wallet)) cell(b.wallet, b.asset).baseline += b.total;

  // The fills since the baseline, summed in SQLite (a busy account has many); only the unattributed ones one by one.
  const observers = instances.filter((i) => i.mode === 'observe').map((i) => i.id);
  const sums = ledger.accountFillSums(exchange, accountKey, baseline.ts, readAt, observers);
  const unattributed = ledger.unaccountedFills(exchange, accountKey, baseline.ts, readAt, observers);
  const add = (e: Effect, isAccounted: boolean): void => {
    if (!walletsRead.has(e.wallet)) return;
    const c = cell(e.wallet, e.asset);
    if (isAccounted) c.accounted += e.amount;
    else c.unattributed += e.amount;
  };
  for (const sum of sums) for (const e of sumEffects(sum, home, derivativeWallet)) add(e, sum.isAccounted);
  for (const e of foldedRealized(ledger, exchange, accountKey, baseline.ts, readAt, sums, new Set(observers), derivativeWallet))
    add(e, e.isAccounted);
  for (const fee of ledger.accountFeeSums(exchange, accountKey, baseline.ts, readAt, observers))
    add({ wallet: isPerpetual(fee.symbol) ? derivativeWallet : home, asset: fee.currency, amount: -fee.amount }, fee.isAccounted);
  for (const p of funding) if (walletsRead.has(derivativeWallet)) cell(derivativeWallet, p.currency).accounted += p.amount;
  for (const m of movements) {
    if (m.from !== null && walletsRead.has(m.from)) cell(m.from, m.asset).explained -= m.amount + m.fee;
    if (m.to !== null && walletsRead.has(m.to)) cell(m.to, m.asset).explained += m.amount;
  }

  let ok = isSettled;
  const assetTotals = new Map<string, ReconciledAsset & { unattributed: number }>();
  const walletDiffs = new Map<string, { wallet: WalletKind; difference: number }[]>();
  for (const [key, c] of wallets) {
    const [wallet = 'spot', asset = ''] = key.split('|') as [WalletKind, string];
    const accounted = c.baseline + c.accounted;
    const difference = c.exchange - accounted - c.explained;
    const isWithin = within(difference, c.exchange, tol);
    const row = assetTotals.get(asset) ?? { asset, exchange: 0, accounted: 0, explained: 0, difference: 0, unattributed: 0 };
    row.exchange += c.exchange;
    row.accounted += accounted;
    row.explained += c.explained;
    // Within tolerance is rounding: shown as 0, so a matched account reads as matched.
    if (!isWithin) row.difference += difference;
    row.unattributed += c.unattributed;
    assetTotals.set(asset, row);
    if (!isWithin) {
      ok = false;
      walletDiffs.set(asset, [...(walletDiffs.get(asset) ?? []), { wallet, difference }]);
    }
  }
  const assets: ReconciledAsset[] = [...assetTotals.values()]
    .filter((r) => r.exchange !== 0 || r.accounted !== 0 || r.explained !== 0)
    .sort((a, b) => a.asset.localeCompare(b.asset))
    .map((r) => ({
      asset: r.asset,
      exchange: clean(r.exchange),
      accounted: clean(r.accounted),
      explained: clean(r.explained),
      difference: clean(r.difference),
    }));

  // Positions: perpetuals against the exchange's position; spot against the exchange's trade history since the baseline.
  const positions = positionRows(instances, state.positions, baseline, sums).map((p) =>
    within(p.difference, p.exchange, tol) ? { ...p, difference: 0 } : p,
  );
  for (const p of positions) if (!within(p.difference, p.exchange, tol)) ok = false;
  if (unattributed.length > 0) ok = false;

  notes.push(...unattributedNotes(unattributed, baseline.ts));
  notes.push(...residualNotes(assetTotals, walletDiffs, tol));
  notes.push(...positionNotes(positions, unattributed, instances, tol));
  const pnlNotes = crossCheck(ledger, instances, state.positions, tol);
  if (pnlNotes.length > 0) ok = false;
  notes.push(...pnlNotes);
  notes.push(...movementNotes(movements));
  notes.push(...capitalNotes(instances, assetTotals));

  // Matched: this reading is as good a starting point as the old one, and keeps the next window short.
  if (ok && previous !== null && readAt - baseline.ts >= (o.rollAfterMs ?? DAY_MS)) {
    ledger.saveReconcileBaseline(readingAsBaseline(), readAt);
    notes.push(`Matched: the baseline moves to ${iso(readAt)}.`);
  }

  return {
    account: o.account,
    asOf: iso(readAt),
    ok,
    assets,
    positions,
    unattributed: unattributed.map((f): UnattributedFill => ({
      id: f.id,
      symbol: f.symbol,
      side: f.side,
      amount: f.amount,
      price: f.price,
      timestamp: f.timestamp,
    })),
    movements: movements.map((m) => ({
      kind: m.kind,
      asset: m.asset,
      amount: clean(m.kind === 'withdrawal' ? -(m.amount + m.fee) : m.amount),
      timestamp: m.timestamp,
      note: movementNote(m),
    })),
    notes,
  };
}

export type AssignResult = { ok: true; refold: string[] } | { ok: false; code: 'not_found' | 'bad_request' | 'conflict'; message: string };

/**
 * The trader's word on an unattributed fill: it belongs to `instance`, or (null) to no instance
 * ("outside"). The fill moves to that instance in the ledger; `refold` names the instances whose
 * figures change (the host marks them for a refold and syncs them, then reconciles again).
 */
export function assignFill(o: {
  ledger: Ledger;
  session: Pick<ExchangeSession, 'exchangeId' | 'accountId'>;
  instances: readonly ReconcileInstance[];
  symbol: string;
  fillId: string;
  instance: string | null;
  now: number;
}): AssignResult {
  const { ledger, session } = o;
  if (o.instance !== null) {
    const target = o.instances.find((i) => i.id === o.instance);
    if (target === undefined) return { ok: false, code: 'bad_request', message: `instance "${o.instance}" does not trade on this account` };
    if (target.mode === 'paper')
      return { ok: false, code: 'bad_request', message: `instance "${o.instance}" is a paper instance: it keeps its own book` };
  }
  const fill = ledger.accountFill(session.exchangeId, session.accountId, o.symbol, o.fillId);
  if (fill === null) return { ok: false, code: 'not_found', message: `no fill ${o.fillId} on ${o.symbol} in this account's ledger` };
  if (fill.placedBy !== null && fill.placedBy !== o.instance)
    return {
      ok: false,
      code: 'conflict',
      message: `fill ${o.fillId} filled an order instance "${fill.placedBy}" placed: it is not unattributed`,
    };
  const moved = ledger.assignFill(
    { exchange: session.exchangeId, account: session.accountId, symbol: o.symbol, fillId: o.fillId, instanceId: o.instance },
    o.now,
  );
  if (moved === null) return { ok: false, code: 'not_found', message: `no fill ${o.fillId} on ${o.symbol} in this account's ledger` };
  const known = new Set(o.instances.map((i) => i.id));
  const refold = [...new Set([moved.previous, moved.next])].filter((id): id is string => id !== null && known.has(id));
  return { ok: true, refold };
}

// ---- the steps ----

interface Effect {
  wallet: WalletKind;
  asset: string;
  amount: number;
}

/** What a group of fills did to the account's wallets, fees apart (spot: base and quote; derivatives: the exchange's realized PnL). */
function sumEffects(sum: AccountFillSum, home: WalletKind, derivativeWallet: WalletKind): Effect[] {
  const parts = parseSymbol(sum.symbol);
  if (parts.kind === 'spot') {
    const sign = sum.side === 'buy' ? 1 : -1;
    return [
      { wallet: home, asset: parts.base, amount: sign * sum.amount },
      { wallet: home, asset: parts.quote, amount: -sign * sum.cost },
    ];
  }
  // Fills without the exchange's realized PnL are folded instead (foldedRealized).
  if (sum.reportedCount < sum.count) return [];
  return [{ wallet: derivativeWallet, asset: parts.settle ?? parts.quote, amount: sum.exchangeRealized }];
}

/**
 * Realized PnL on derivatives whose fills carry none from the exchange, folded on the account's net
 * position per symbol (one-way mode, as the exchange books it) from the account's first fill on that
 * symbol in the ledger. Binance reports it on every USDⓈ-M fill, so this runs only elsewhere.
 */
function foldedRealized(
  ledger: Ledger,
  exchange: string,
  account: string,
  after: number,
  upTo: number,
  sums: readonly AccountFillSum[],
  observers: ReadonlySet<string>,
  derivativeWallet: WalletKind,
): (Effect & { isAccounted: boolean })[] {
  const symbols = new Set(sums.filter((x) => isPerpetual(x.symbol) && x.reportedCount < x.count).map((x) => x.symbol));
  if (symbols.size === 0) return [];
  const out: (Effect & { isAccounted: boolean })[] = [];
  const books = new Map<string, PositionState>();
  for (const f of ledger.accountFills(exchange, account, Number.MIN_SAFE_INTEGER, upTo)) {
    if (!symbols.has(f.symbol)) continue;
    const pos = books.get(f.symbol) ?? { qty: 0, avgPrice: 0 };
    books.set(f.symbol, pos);
    const realized = trade(pos, f.side === 'buy' ? f.amount : -f.amount, f.price);
    if (f.timestamp <= after || f.exchangeRealizedPnl !== undefined) continue;
    const parts = parseSymbol(f.symbol);
    const isAccounted = f.assignment !== null || f.placedBy !== null || (f.instanceId !== null && observers.has(f.instanceId));
    out.push({ wallet: derivativeWallet, asset: parts.settle ?? parts.quote, amount: realized, isAccounted });
  }
  return out;
}

function positionRows(
  instances: readonly ReconcileInstance[],
  reports: readonly PositionReport[],
  baseline: ReconcileBaseline,
  sums: readonly AccountFillSum[],
): ReconciledPosition[] {
  const symbols = new Set<string>([
    ...instances.flatMap((i) => i.symbols),
    ...reports.map((p) => p.symbol),
    ...baseline.positions.map((p) => p.symbol),
    ...sums.map((x) => x.symbol),
  ]);
  const rows: ReconciledPosition[] = [];
  for (const symbol of [...symbols].sort()) {
    let traded = 0;
    let accountedTrades = 0;
    for (const x of sums) {
      if (x.symbol !== symbol) continue;
      const signed = x.side === 'buy' ? x.amount : -x.amount;
      traded += signed;
      if (x.isAccounted) accountedTrades += signed;
    }
    if (isPerpetual(symbol)) {
      const exchangeQty = reports.filter((p) => p.symbol === symbol).reduce((acc, p) => acc + p.qty, 0);
      const base = baseline.positions.filter((p) => p.symbol === symbol).reduce((acc, p) => acc + p.qty, 0);
      const accounted = base + accountedTrades;
      rows.push({ symbol, exchange: clean(exchangeQty), accounted: clean(accounted), difference: clean(exchangeQty - accounted) });
    } else {
      // Spot keeps no position: the base traded since the baseline, as the exchange's trade history (synced) says.
      rows.push({ symbol, exchange: clean(traded), accounted: clean(accountedTrades), difference: clean(traded - accountedTrades) });
    }
  }
  return rows;
}

function unattributedNotes(fills: readonly AccountFill[], since: number): string[] {
  const bySymbol = new Map<string, { net: number; count: number }>();
  for (const f of fills) {
    const s = bySymbol.get(f.symbol) ?? { net: 0, count: 0 };
    s.net += f.side === 'buy' ? f.amount : -f.amount;
    s.count++;
    bySymbol.set(f.symbol, s);
  }
  return [...bySymbol].map(([symbol, s]) => {
    const base = parseSymbol(symbol).base;
    const what = Math.abs(s.net) < 1e-12 ? `traded (net 0 ${base})` : `${s.net > 0 ? 'bought' : 'sold'} ${fmt(Math.abs(s.net))} ${base}`;
    return `${what} on ${symbol} by no instance (${s.count} fill${s.count === 1 ? '' : 's'} since ${iso(since)}): another bot or a human? Assign ${s.count === 1 ? 'it' : 'them'} to an instance or mark ${s.count === 1 ? 'it' : 'them'} outside.`.replace(
      /^./,
      (c) => c.toUpperCase(),
    );
  });
}

function residualNotes(
  totals: ReadonlyMap<string, { asset: string; exchange: number; difference: number; unattributed: number }>,
  walletDiffs: ReadonlyMap<string, { wallet: WalletKind; difference: number }[]>,
  tol: Tolerance,
): string[] {
  const notes: string[] = [];
  for (const [asset, diffs] of walletDiffs) {
    const total = totals.get(asset);
    if (total === undefined) continue;
    const residual = total.difference - total.unattributed;
    if (!within(residual, total.exchange, tol)) {
      notes.push(
        `${asset} differs by ${fmtSigned(residual)} that no fill, funding or movement the app knows explains: a fill not yet synced, a trade on a symbol no instance trades, funding or PnL on another perpetual, or a deposit, withdrawal or transfer the exchange does not list.`,
      );
    } else if (diffs.length > 1 && within(total.difference, total.exchange, tol)) {
      const parts = diffs.map((d) => `${d.wallet} ${fmtSigned(d.difference)}`).join(', ');
      notes.push(`${asset} moved between wallets (${parts}) by a transfer the exchange did not list.`);
    }
  }
  return notes;
}

function positionNotes(
  rows: readonly ReconciledPosition[],
  unattributed: readonly AccountFill[],
  instances: readonly ReconcileInstance[],
  tol: Tolerance,
): string[] {
  const notes: string[] = [];
  for (const row of rows) {
    const fromUnattributed = unattributed
      .filter((f) => f.symbol === row.symbol)
      .reduce((s, f) => s + (f.side === 'buy' ? f.amount : -f.amount), 0);
    const residual = row.difference - fromUnattributed;
    if (within(residual, row.exchange, tol)) continue;
    const isTraded = instances.some((i) => i.symbols.includes(row.symbol));
    notes.push(
      isTraded
        ? `${row.symbol}: the exchange shows ${fmt(row.exchange)}, the app accounts for ${fmt(row.accounted)}; ${fmtSigned(residual)} is not explained by any fill synced so far (a fill not yet synced?).`
        : `${row.symbol}: a position of ${fmt(row.exchange)} that no instance trades (the app does not sync its fills).`,
    );
  }
  return notes;
}

/**
 * Per perpetual owned by one instance: its realized PnL (our fold) against the sum of the exchange's
 * per-fill realizedPnl, and its unrealized PnL at the exchange's mark against the exchange's.
 */
function crossCheck(ledger: Ledger, instances: readonly ReconcileInstance[], reports: readonly PositionReport[], tol: Tolerance): string[] {
  const notes: string[] = [];
  const perps = new Set(instances.flatMap((i) => i.symbols.filter(isPerpetual)));
  for (const symbol of [...perps].sort()) {
    const owners = instances.filter((i) => i.symbols.includes(symbol));
    const owner = owners[0];
    if (owners.length !== 1 || owner === undefined) continue;
    const settle = parseSymbol(symbol).settle ?? '';
    const fold = emptyFold(settle);
    let exchangeRealized = 0;
    let isReported = true;
    // Streamed: an instance may hold a million fills.
    ledger.eachFillOfSymbol(owner.id, symbol, Number.MIN_SAFE_INTEGER, (f) => {
      foldFill(fold, f);
      if (f.exchangeRealizedPnl === undefined) isReported = false;
      else exchangeRealized += f.exchangeRealizedPnl;
    });
    if (fold.tradeCount > 0 && isReported && Math.abs(fold.realizedPnl - exchangeRealized) > tol.pnl) {
      notes.push(
        `${symbol} (${owner.id}): realized PnL ${fmt(fold.realizedPnl)} ${settle} here, ${fmt(exchangeRealized)} ${settle} on the exchange.`,
      );
    }
    const report = reports.find((p) => p.symbol === symbol);
    const pos = fold.positions.get(symbol) ?? { qty: 0, avgPrice: 0 };
    if (report !== undefined && Math.abs(report.qty - pos.qty) <= tol.amount && report.markPrice > 0) {
      const ours = pos.qty * (report.markPrice - pos.avgPrice);
      if (Math.abs(ours - report.unrealizedPnl) > tol.pnl)
        notes.push(
          `${symbol} (${owner.id}): unrealized PnL ${fmt(ours)} ${settle} here, ${fmt(report.unrealizedPnl)} ${settle} on the exchange.`,
        );
    }
  }
  return notes;
}

function movementNote(m: Movement): string {
  const amount = `${fmt(m.amount)} ${m.asset}`;
  if (m.kind === 'deposit') return `deposit of ${amount}${m.to === null ? '' : ` into ${m.to}`}`;
  if (m.kind === 'withdrawal')
    return `withdrawal of ${amount}${m.fee > 0 ? ` (+ ${fmt(m.fee)} fee)` : ''}${m.from === null ? '' : ` from ${m.from}`}`;
  return `transfer of ${amount} from ${m.from ?? 'another wallet'} to ${m.to ?? 'another wallet'}`;
}

function movementNotes(movements: readonly Movement[]): string[] {
  if (movements.length === 0) return [];
  const count = (kind: Movement['kind'], word: string): string | null => {
    const n = movements.filter((m) => m.kind === kind).length;
    return n === 0 ? null : `${n} ${word}${n === 1 ? '' : 's'}`;
  };
  const parts = [count('deposit', 'deposit'), count('withdrawal', 'withdrawal'), count('transfer', 'transfer')].filter((p) => p !== null);
  const listed = movements.slice(0, LISTED_MOVEMENTS).map(movementNote).join('; ');
  return [`${parts.join(', ')} since the baseline, explained (not drift): ${listed}${movements.length > LISTED_MOVEMENTS ? '; …' : ''}.`];
}

function capitalNotes(instances: readonly ReconcileInstance[], totals: ReadonlyMap<string, { exchange: number }>): string[] {
  const byQuote = new Map<string, number>();
  for (const i of instances) {
    const quote = parseSymbol(i.symbols[0] ?? '').quote;
    if (quote !== '' && i.capital > 0) byQuote.set(quote, (byQuote.get(quote) ?? 0) + i.capital);
  }
  const notes: string[] = [];
  for (const [quote, capital] of byQuote) {
    const held = totals.get(quote)?.exchange ?? 0;
    if (capital > held)
      notes.push(`The instances on this account are budgeted ${fmt(capital)} ${quote}; the account holds ${fmt(held)} ${quote}.`);
  }
  return notes;
}

// ---- small helpers ----

function within(difference: number, reference: number, tol: Tolerance): boolean {
  return Math.abs(difference) <= Math.max(tol.amount, tol.relative * Math.abs(reference));
}

/** Floating sums to 10 decimals, so equal figures print equal. */
function clean(value: number): number {
  const r = Math.round(value * 1e10) / 1e10;
  return Object.is(r, -0) ? 0 : r;
}

function fmt(value: number): string {
  return String(clean(value));
}

function fmtSigned(value: number): string {
  const v = clean(value);
  return v > 0 ? `+${v}` : String(v);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
