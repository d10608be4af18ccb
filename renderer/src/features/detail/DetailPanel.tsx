import { useCallback, useEffect, useRef, useState, type PointerEvent as ReactPointerEvent, type ReactNode, type RefObject } from 'react';
import type { InstanceDetail, StillOpen, StrategyFigures, StrategyView } from '../../../../shared/model.ts';
import { NOT_A_FIGURE, feesAsPnl, formatCount, formatMoney, formatTimestamp, formatWeight, moneyTone } from '../../format.ts';
import type { ExportKind } from '../../commands.ts';
import { useCommands, useStratdesk } from '../../store/hooks.ts';
import { HealthBadge, ModeBadge, StatusBadge } from '../../components/Badges.tsx';
import { CatchUpProgress } from '../portfolio/CatchUp.tsx';
import { EquityChart } from './EquityChart.tsx';
import { LiveAge } from '../../components/LiveAge.tsx';
import { Money } from '../../components/Money.tsx';
import { healthTooltip, hasPerpetual } from '../instances/StrategyRow.tsx';
import { VirtualRows } from '../../components/VirtualRows.tsx';
import { ordersStillOpen, stillOpenLine } from '../portfolio/controlNotice.ts';
import { TableHead, num, type Column } from '../../components/TableHead.tsx';

/** Fills fetched for the table: the contract's maximum, so the trader can scroll far back. */
const FILLS_LIMIT = 5000;
const REFRESH_MS = 5000;
const ROW_H = 24;
const FILLS_VIEW_H = 288;

function useDetail(id: string): { detail: InstanceDetail | null; error: string | null; reload: () => void } {
  const commands = useCommands();
  const [detail, setDetail] = useState<InstanceDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
    let isCurrent = true;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const load = async (): Promise<void> => {
      const result = await commands.loadDetail(id, FILLS_LIMIT);
      if (!isCurrent) return;
      if (result.ok) {
        setDetail(result.value);
        setError(null);
      } else setError(`${result.error.code}: ${result.error.message}`);
      timer = setTimeout(() => void load(), REFRESH_MS);
    };
    void load();
    return () => {
      isCurrent = false;
      if (timer !== null) clearTimeout(timer);
    };
  }, [id, nonce, commands]);
  useEffect(() => {
    setDetail(null);
    setError(null);
  }, [id]);
  return { detail: detail?.strategy.id === id ? detail : null, error, reload: () => setNonce((n) => n + 1) };
}

function Figure({ label, children, testId, hint }: { label: string; children: ReactNode; testId?: string; hint?: string }) {
  return (
    <div className="kv" data-testid={testId}>
      <dt title={hint}>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** A titled section of `Figure`s; `after` follows the list (a note on what it leaves out). */
function FigureSection({
  headingId,
  title,
  testId,
  isSum = false,
  after,
  children,
}: {
  headingId: string;
  title: string;
  testId: string;
  isSum?: boolean;
  after?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section className="detail-section" aria-labelledby={headingId}>
      <h3 id={headingId}>{title}</h3>
      <dl className={isSum ? 'kv-list kv-list--sum' : 'kv-list'} data-testid={testId}>
        {children}
      </dl>
      {after}
    </section>
  );
}

function PnlBreakdown({ s }: { s: StrategyView }) {
  const m = s.metrics;
  const c = m.quoteCurrency;
  const unpriced = Object.entries(m.unpricedFees);
  return (
    <FigureSection
      headingId="pnl-h"
      title="PnL breakdown"
      testId="pnl-breakdown"
      isSum
      after={
        unpriced.length > 0 && (
          <p className="notice notice--warn">
            Fees not priced yet (not in the figures above): {unpriced.map(([cur, amount]) => `${amount} ${cur}`).join(', ')}
          </p>
        )
      }
    >
      <Figure label="Realized" hint="Average cost, shorts included; excludes fees and funding">
        <Money value={m.realizedPnl} currency={c} isEstimated={m.isEstimated} />
      </Figure>
      <Figure label="+ Unrealized" hint="Open inventory marked to market">
        <Money value={m.unrealizedPnl} currency={c} isEstimated={m.isEstimated} />
      </Figure>
      <Figure label="+ Funding" hint="+ received, − paid">
        <Money value={m.funding} currency={c} isEstimated={m.isEstimated} />
      </Figure>
      <Figure label="− Fees" hint="Shown as their effect on PnL: − paid, + rebate">
        <Money value={feesAsPnl(m.fees)} currency={c} isEstimated={m.isEstimated} />
      </Figure>
      <Figure label="= Total PnL" testId="detail-total">
        <strong>
          <Money value={m.totalPnl} currency={c} isEstimated={m.isEstimated} />
        </strong>
      </Figure>
      <Figure label="Capital budget">
        <Money value={s.allocation} currency={c} isSigned={false} />
      </Figure>
      <Figure label="Equity" hint="Capital budget + total PnL">
        <Money value={s.allocation + m.totalPnl} currency={c} isSigned={false} />
      </Figure>
      <Figure label="Volume" hint="Σ |cost| of fills">
        {formatMoney(m.volume, c)}
      </Figure>
    </FigureSection>
  );
}

function baseOf(symbol: string): string {
  return symbol.split('/')[0] ?? symbol;
}

function formatPosition(amount: number, symbol: string): string {
  const sign = amount > 0 ? '+' : amount < 0 ? '\u2212' : '';
  return `${sign}${Math.abs(amount).toLocaleString('en-US', { maximumFractionDigits: 8 })} ${baseOf(symbol)}`;
}

function ratio(value: number | null | undefined, decimals = 2, signed = false): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return NOT_A_FIGURE;
  const sign = signed ? (value > 0 ? '+' : value < 0 ? '\u2212' : '') : value < 0 ? '\u2212' : '';
  return `${sign}${formatWeight(Math.abs(value), decimals)}`;
}

function StrategyFigures({ s, symbols }: { s: StrategyView; symbols: readonly string[] }) {
  const m = s.metrics;
  // Older hosts send no `figures`; everything then shows "—" rather than breaking the panel.
  const f = (s as { figures?: StrategyFigures }).figures;
  const positions = Object.entries(f?.kind === 'fixed_spread' ? f.inventory : m.positions);
  const inventory =
    positions.length === 0 ? (
      <span className="na">{NOT_A_FIGURE}</span>
    ) : (
      positions.map(([sym, amount]) => (
        <span key={sym} className="position" title={`${sym}: + long, − short, in ${baseOf(sym)}`}>
          {formatPosition(amount, sym)} <span className="muted">{sym}</span>
        </span>
      ))
    );
  if (s.type === 'funding_rate') {
    const fr = f?.kind === 'funding_rate' ? f : null;
    const hasFunding = fr !== null || hasPerpetual(symbols) || m.funding !== 0;
    return (
      <FigureSection headingId="strat-h" title="Funding arbitrage" testId="strategy-figures">
        <Figure label="Positions (spot / perp)">{inventory}</Figure>
        <Figure label="Hedge" hint="Long spot, short perp">
          {fr === null ? NOT_A_FIGURE : fr.isHedged ? 'open' : 'not open'}
        </Figure>
        <Figure label="Hedge imbalance" hint="(perp notional + spot notional) / spot notional; 0 = perfectly hedged">
          {ratio(fr?.hedgeImbalance, 2, true)}
        </Figure>
        <Figure label="Funding accrued" hint="+ received, − paid">
          {hasFunding ? <Money value={fr?.fundingAccrued ?? m.funding} currency={m.quoteCurrency} /> : NOT_A_FIGURE}
        </Figure>
        <Figure label="Predicted rate (per interval)">
          {fr?.predictedRate == null
            ? NOT_A_FIGURE
            : `${fr.predictedRate < 0 ? '\u2212' : '+'}${(Math.abs(fr.predictedRate) * 10_000).toFixed(2)} bp`}
        </Figure>
        <Figure label="Carry (APR)">{ratio(fr?.carryApr, 2, true)}</Figure>
        <Figure label="Basis (perp − spot) / spot">{ratio(fr?.basis, 3, true)}</Figure>
        <Figure label="Next funding">{fr?.nextFundingTime == null ? NOT_A_FIGURE : formatTimestamp(fr.nextFundingTime)}</Figure>
      </FigureSection>
    );
  }
  const fs = f?.kind === 'fixed_spread' ? f : null;
  return (
    <FigureSection headingId="strat-h" title="Market maker" testId="strategy-figures">
      <Figure label="Inventory" hint="Signed base position per symbol: + long, − short">
        {inventory}
      </Figure>
      <Figure label="Fills" testId="fill-count">
        {formatCount(m.tradeCount)}
      </Figure>
      <Figure label="Win rate" hint="Reducing fills with positive realized PnL after their fee / all reducing fills">
        {m.winRate === null ? NOT_A_FIGURE : formatWeight(m.winRate)}
      </Figure>
      <Figure label="Spread captured" hint="(average sell − average buy) / average price">
        {fs?.spreadCapturedBps == null
          ? NOT_A_FIGURE
          : `${fs.spreadCapturedBps < 0 ? '\u2212' : '+'}${Math.abs(fs.spreadCapturedBps).toFixed(2)} bp`}
      </Figure>
      <Figure
        label="Fills per order"
        testId="fills-per-order"
        hint="Fills over orders placed. Not a percentage: one order can fill in several pieces, so it can pass 1"
      >
        {fs?.fillRate == null || !Number.isFinite(fs.fillRate) ? NOT_A_FIGURE : fs.fillRate.toFixed(2)}
      </Figure>
      <Figure label="Quote uptime" hint="Share of running time with a quote on both sides">
        {ratio(fs?.quoteUptime, 1)}
      </Figure>
    </FigureSection>
  );
}

function RiskFigures({ s }: { s: StrategyView }) {
  const m = s.metrics;
  const twr = m.timeWeightedReturn;
  return (
    <FigureSection headingId="risk-h" title="Risk" testId="risk-figures">
      <Figure label="Max drawdown" hint="Largest fall of total PnL from a previous peak; % of equity at that peak">
        <Money value={0 - m.maxDrawdown} currency={m.quoteCurrency} />
        <span className="muted small">
          {m.maxDrawdownPct === null
            ? `${NOT_A_FIGURE} % of peak equity`
            : `${m.maxDrawdownPct > 0 ? '\u2212' : ''}${formatWeight(m.maxDrawdownPct, 3)} of peak equity`}
        </span>
      </Figure>
      <Figure label="Sharpe (daily, √365)">
        {m.sharpe === null ? (
          <span title="Needs at least 2 days of history">
            {NOT_A_FIGURE} <span className="muted">under 2 days</span>
          </span>
        ) : (
          m.sharpe.toFixed(2)
        )}
      </Figure>
      <Figure label="Time-weighted return" hint="Since start; capital moved in or out does not count">
        {twr === null ? (
          NOT_A_FIGURE
        ) : (
          <span className={`money money--${moneyTone(twr * 100, { decimals: 3 })}`}>
            {twr > 0 ? '+' : twr < 0 ? '\u2212' : ''}
            {formatWeight(Math.abs(twr), 3)}
          </span>
        )}
      </Figure>
    </FigureSection>
  );
}

function FillsTable({ detail }: { detail: InstanceDetail }) {
  const fills = detail.fills;
  const total = detail.strategy.metrics.tradeCount;
  const c = detail.strategy.metrics.quoteCurrency;
  return (
    <section className="detail-section detail-section--wide" aria-labelledby="fills-h">
      <h3 id="fills-h">
        Fills{' '}
        <span className="muted">
          newest first · {fills.length < total ? `latest ${formatCount(fills.length)} of ${formatCount(total)}` : formatCount(fills.length)}{' '}
          · cost and fee in {c}, fee + = paid
        </span>
      </h3>
      {fills.length === 0 ? (
        <p className="empty">No fills yet.</p>
      ) : (
        <div className="vtable vtable--fills" role="table" aria-label="Fills">
          <div className="vrow vrow--head" role="row">
            <span role="columnheader" title="Month-day and time, UTC">
              Time UTC
            </span>
            <span role="columnheader">Symbol</span>
            <span role="columnheader">Side</span>
            <span role="columnheader" className="num">
              Price
            </span>
            <span role="columnheader" className="num">
              Amount
            </span>
            <span role="columnheader" className="num" title={`Price × amount, in ${c}`}>
              Cost
            </span>
            <span role="columnheader" className="num" title={`In ${c}: + paid, − rebate`}>
              Fee
            </span>
            <span role="columnheader">Liq.</span>
          </div>
          <VirtualRows
            count={fills.length}
            rowHeight={ROW_H}
            height={FILLS_VIEW_H}
            testId="fills"
            label="Fills"
            renderRow={(i) => {
              const f = fills[i];
              if (f === undefined) return null;
              const quote = f.symbol.split('/')[1]?.split(':')[0] ?? '';
              return (
                <div key={f.id} className="vrow" role="row" data-testid="fill-row">
                  <span role="cell" title={formatTimestamp(new Date(f.timestamp).toISOString())}>
                    {new Date(f.timestamp).toISOString().slice(5, 19).replace('T', ' ')}
                  </span>
                  <span role="cell">{f.symbol}</span>
                  <span role="cell" className={`side side--${f.side}`}>
                    {f.side}
                  </span>
                  <span role="cell" className="num">
                    {f.price.toLocaleString('en-US', { maximumFractionDigits: 8 })} {quote}
                  </span>
                  <span role="cell" className="num">
                    {f.amount.toLocaleString('en-US', { maximumFractionDigits: 8 })} {baseOf(f.symbol)}
                  </span>
                  <span role="cell" className="num">
                    {formatMoney(f.cost, '').trim()}
                  </span>
                  <span role="cell" className="num">
                    {f.fee.toLocaleString('en-US', { minimumFractionDigits: 4, maximumFractionDigits: 6 })}
                  </span>
                  <span role="cell" className="muted">
                    {f.isMaker === null ? NOT_A_FIGURE : f.isMaker ? 'maker' : 'taker'}
                  </span>
                </div>
              );
            }}
          />
        </div>
      )}
    </section>
  );
}

function FundingTable({ detail, symbols }: { detail: InstanceDetail; symbols: readonly string[] }) {
  const rows = detail.funding;
  return (
    <section className="detail-section" aria-labelledby="funding-h">
      <h3 id="funding-h">Funding payments</h3>
      {rows.length === 0 ? (
        <p className="empty" data-testid="funding-empty">
          {hasPerpetual(symbols) ? 'No funding payments yet.' : `${NOT_A_FIGURE} No perpetual in this instance: no funding.`}
        </p>
      ) : (
        <DetailTable testId="funding-table" isShort columns={['Time (UTC)', 'Symbol', num('Amount', '+ received, − paid')]}>
          {rows.map((f) => (
            <tr key={f.id}>
              <td>{formatTimestamp(new Date(f.timestamp).toISOString())}</td>
              <td>{f.symbol}</td>
              <td className="num">
                <Money value={f.amount} currency={f.currency} />
              </td>
            </tr>
          ))}
        </DetailTable>
      )}
    </section>
  );
}

/**
 * The instance's orders as the exchange shows them now, each cancellable, and "cancel all". An order
 * a cancel was asked for but the exchange still shows is marked: the host retries it.
 */
function OpenOrders({ detail, stillOpen, onChanged }: { detail: InstanceDetail; stillOpen: readonly StillOpen[]; onChanged: () => void }) {
  const commands = useCommands();
  const [busy, setBusy] = useState<string | null>(null);
  const id = detail.strategy.id;
  const pending = new Set(stillOpen.map((o) => `${o.symbol}|${o.orderId}`));
  const run = async (key: string, send: () => Promise<unknown>): Promise<void> => {
    setBusy(key);
    try {
      await send();
    } finally {
      setBusy(null);
      onChanged();
    }
  };
  return (
    <section className="detail-section detail-section--wide" aria-labelledby="orders-h" data-testid="open-orders">
      <h3 id="orders-h">
        Open orders <span className="muted">as the exchange shows them</span>
        <button
          type="button"
          className="button button--danger button--small section-action"
          disabled={busy !== null || detail.openOrders.length === 0}
          data-testid="cancel-all-orders"
          onClick={() => void run('*', () => commands.cancelAll(id))}
        >
          {busy === '*' ? 'Cancelling…' : 'Cancel all of this instance'}
        </button>
      </h3>
      {stillOpen.length > 0 && (
        <div className="notice notice--warn" role="alert" data-testid="detail-still-open">
          <strong>{ordersStillOpen(stillOpen.length)}</strong>
          <ul className="control-notice-orders">
            {stillOpen.map((o) => (
              <li key={`${o.symbol}|${o.orderId}`}>{stillOpenLine(o)}</li>
            ))}
          </ul>
        </div>
      )}
      {detail.openOrdersError !== null && (
        <p className="notice notice--error" data-testid="open-orders-error">
          Could not read the book: {detail.openOrdersError}
        </p>
      )}
      {detail.openOrders.length === 0 ? (
        detail.openOrdersError === null && <p className="empty">No open orders.</p>
      ) : (
        <DetailTable
          testId="open-orders-table"
          columns={['Symbol', 'Side', num('Price'), num('Amount'), num('Filled'), 'Placed', { label: 'Cancel', hidden: true }]}
        >
          {detail.openOrders.map((o) => {
            const key = `${o.symbol}|${o.orderId}`;
            return (
              <tr key={key} data-testid={`open-order-${o.orderId}`} data-still-open={pending.has(key)}>
                <td>{o.symbol}</td>
                <td className={o.side === 'buy' ? 'pos' : 'neg'}>{o.side}</td>
                <td className="num">{formatAmount(o.price)}</td>
                <td className="num">{formatAmount(o.amount)}</td>
                <td className="num">{formatAmount(o.filled)}</td>
                <td className="muted">{formatTimestamp(new Date(o.placedAt).toISOString())}</td>
                <td className="cell-actions">
                  <button
                    type="button"
                    className="button button--small"
                    disabled={busy !== null}
                    data-testid="cancel-order"
                    onClick={() => void run(key, () => commands.cancelOrder(id, o.orderId, o.symbol))}
                  >
                    {pending.has(key) ? 'Retrying…' : busy === key ? 'Cancelling…' : 'Cancel'}
                  </button>
                </td>
              </tr>
            );
          })}
        </DetailTable>
      )}
    </section>
  );
}

/** A compact grid in its own scroll box; `isShort` keeps a secondary list from pushing the rest down. */
function DetailTable({
  testId,
  isShort = false,
  columns,
  children,
}: {
  testId: string;
  isShort?: boolean;
  columns: readonly Column[];
  children: ReactNode;
}) {
  return (
    <div className={isShort ? 'table-scroll table-scroll--short' : 'table-scroll'}>
      <table className="grid grid--compact" data-testid={testId}>
        <TableHead columns={columns} />
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** Prices and amounts as the exchange states them, without float noise (8 significant digits). */
function formatAmount(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(8))) : NOT_A_FIGURE;
}

function AuditTrail({ detail }: { detail: InstanceDetail }) {
  return (
    <section className="detail-section" aria-labelledby="audit-h">
      <h3 id="audit-h">Control actions</h3>
      {detail.audit.length === 0 ? (
        <p className="empty">No pause, resume, start or stop on record.</p>
      ) : (
        <DetailTable testId="audit-table" isShort columns={['Time (UTC)', 'Action', 'From', 'Reason']}>
          {detail.audit.map((a) => (
            <tr key={a.seq} data-testid="audit-row">
              <td>{formatTimestamp(a.at).replace(' UTC', '')}</td>
              <td>{a.action}</td>
              <td>{a.source}</td>
              <td className="cell-text">{a.reason ?? NOT_A_FIGURE}</td>
            </tr>
          ))}
        </DetailTable>
      )}
    </section>
  );
}

function ExportButtons({ id }: { id: string }) {
  const commands = useCommands();
  const [busy, setBusy] = useState<ExportKind | null>(null);
  const run = async (kind: ExportKind): Promise<void> => {
    setBusy(kind);
    try {
      await commands.exportCsv(id, kind);
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="export-buttons" role="group" aria-label="Export CSV">
      {(['fills', 'funding', 'metrics'] as const).map((kind) => (
        <button
          key={kind}
          type="button"
          className="button button--small"
          data-testid={`export-${kind}`}
          disabled={busy !== null}
          aria-busy={busy === kind}
          onClick={() => void run(kind)}
        >
          Export {kind} CSV
        </button>
      ))}
    </div>
  );
}

function RowActions({ s, isRunning }: { s: StrategyView; isRunning: boolean }) {
  const commands = useCommands();
  const pending = useStratdesk((state) => state.pendingById[s.id]);
  const isBusy = pending !== undefined;
  return (
    <div className="detail-actions">
      {s.status === 'live' && (
        <button type="button" className="button" disabled={isBusy} onClick={() => void commands.pauseStrategy(s.id)}>
          Pause
        </button>
      )}
      {s.status === 'paused' && (
        <button type="button" className="button button--accent" disabled={isBusy} onClick={() => void commands.resumeStrategy(s.id)}>
          Resume
        </button>
      )}
      {isRunning ? (
        <button type="button" className="button button--danger" disabled={isBusy} onClick={() => commands.askAction(s.id, 'stop')}>
          Stop
        </button>
      ) : (
        <button type="button" className="button" disabled={isBusy} onClick={() => void commands.startInstance(s.id)}>
          Start
        </button>
      )}
    </div>
  );
}

/** Drag the left edge to resize; the width is remembered. Pointer capture keeps the drag when the pointer leaves the handle. */
function ResizeHandle({ panelRef }: { panelRef: RefObject<HTMLElement | null> }) {
  const setWidth = useStratdesk((state) => state.setPanelWidth);
  const width = useStratdesk((state) => state.prefs.panelWidth);
  const onPointerDown = useCallback(
    (event: ReactPointerEvent<HTMLDivElement>) => {
      event.preventDefault();
      const target = event.currentTarget;
      target.setPointerCapture(event.pointerId);
      const move = (e: PointerEvent): void => {
        const panel = panelRef.current;
        if (panel) panel.style.width = `${Math.max(420, Math.min(1200, window.innerWidth - e.clientX))}px`;
      };
      const up = (e: PointerEvent): void => {
        target.removeEventListener('pointermove', move);
        target.removeEventListener('pointerup', up);
        setWidth(window.innerWidth - e.clientX);
      };
      target.addEventListener('pointermove', move);
      target.addEventListener('pointerup', up);
    },
    [panelRef, setWidth],
  );
  return (
    <div
      className="resize-handle"
      role="separator"
      aria-orientation="vertical"
      aria-label="Resize the detail panel"
      aria-valuenow={width}
      tabIndex={0}
      onPointerDown={onPointerDown}
      onKeyDown={(e) => {
        if (e.key === 'ArrowLeft') setWidth(width + 40);
        if (e.key === 'ArrowRight') setWidth(width - 40);
      }}
    />
  );
}

export function DetailPanel() {
  const id = useStratdesk((state) => state.selectedId);
  if (id === null) return null;
  return <DetailPanelFor key={id} id={id} />;
}

function DetailPanelFor({ id }: { id: string }) {
  const live = useStratdesk((state) => state.strategiesById[id]);
  const instance = useStratdesk((state) => state.instancesById[id]);
  const width = useStratdesk((state) => state.prefs.panelWidth);
  const select = useStratdesk((state) => state.select);
  const { detail, error, reload } = useDetail(id);
  const panelRef = useRef<HTMLElement>(null);
  useEffect(() => {
    if (panelRef.current) panelRef.current.style.width = `${width}px`;
  }, [width]);
  useEffect(() => {
    panelRef.current?.focus();
  }, []);
  // Live figures from the stream (they tick); history, fills and audit from the detail command.
  const s = live ?? detail?.strategy;
  const symbols = instance?.symbols ?? detail?.instance.symbols ?? [];
  const isRunning = instance?.running ?? detail?.instance.running ?? false;
  const lastGood = s?.health.lastGoodSyncAt == null ? null : Date.parse(s.health.lastGoodSyncAt);
  return (
    <aside
      ref={panelRef}
      className={`detail-panel${s !== undefined && s.health.state !== 'ok' ? ' detail-panel--unhealthy' : ''}`}
      data-testid="detail-panel"
      aria-labelledby="detail-title"
      tabIndex={-1}
      onKeyDown={(e) => {
        if (e.key === 'Escape') select(null);
      }}
    >
      <ResizeHandle panelRef={panelRef} />
      <div className="detail-head">
        <div>
          <h2 id="detail-title" className="detail-title">
            {id}
          </h2>
          {s !== undefined && (
            <div className="detail-meta">
              <ModeBadge mode={s.mode} />
              <StatusBadge status={s.status} />
              <span title={healthTooltip(s.health)}>
                <HealthBadge state={s.health.state} /> <LiveAge since={lastGood} prefix="synced " />
              </span>
              {s.health.catchUp !== null && <CatchUpProgress catchUp={s.health.catchUp} />}
              <span className="muted">
                {s.account} · {symbols.join(', ')} · since {instance ? formatTimestamp(instance.startTime) : NOT_A_FIGURE}
              </span>
            </div>
          )}
        </div>
        <div className="detail-head-actions">
          {s !== undefined && <RowActions s={s} isRunning={isRunning} />}
          <button
            type="button"
            className="button button--ghost"
            aria-label="Close details"
            data-testid="detail-close"
            onClick={() => select(null)}
          >
            ✕ Close
          </button>
        </div>
      </div>
      {s !== undefined && s.mode !== 'live' && (
        <p className={`notice notice--mode notice--mode-${s.mode}`}>
          {s.mode === 'paper'
            ? 'Paper mode: simulated fills on live market data. Not real money.'
            : 'Observe mode: Stratdesk never trades this account; figures track what something else does.'}
        </p>
      )}
      {s?.health.lastError != null && s.health.state !== 'ok' && (
        <p className="notice notice--error" role="status">
          Last error ({s.health.lastError.kind}) at {formatTimestamp(s.health.lastError.at)}: {s.health.lastError.message}
        </p>
      )}
      {error !== null && (
        <p className="notice notice--error" role="alert">
          Could not load details: {error}
        </p>
      )}
      <div className="detail-body">
        {detail === null ? (
          <p className="empty" aria-busy="true">
            Loading history, fills and audit…
          </p>
        ) : (
          <EquityChart equity={detail.equity} currency={detail.strategy.metrics.quoteCurrency} />
        )}
        {s !== undefined && (
          <div className="detail-grid">
            <PnlBreakdown s={s} />
            <div>
              <StrategyFigures s={s} symbols={symbols} />
              <RiskFigures s={s} />
            </div>
          </div>
        )}
        {detail !== null && (
          <>
            <OpenOrders detail={detail} stillOpen={s?.health.stillOpen ?? detail.stillOpen} onChanged={reload} />
            <FillsTable detail={detail} />
            <div className="detail-grid detail-grid--stack">
              <FundingTable detail={detail} symbols={symbols} />
              <AuditTrail detail={detail} />
            </div>
          </>
        )}
        <ExportButtons id={id} />
        <p className="muted small">
          Figures in {s?.metrics.quoteCurrency ?? 'quote'}; fills and history refresh every {REFRESH_MS / 1000} s while this panel is open.
        </p>
      </div>
    </aside>
  );
}
