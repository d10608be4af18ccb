/**
 * Reconciliation in the accounts view (issue 13): per connected account, does the app's money match
 * the account? Matched, or the differences (per asset and per symbol) with their likely causes;
 * fills no instance placed, each assignable to one of the account's instances or marked outside;
 * deposits, withdrawals and transfers that explain money that moved. Reconciles on open and again
 * every minute while open; the trader's threshold decides when a difference raises an alert.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { CommandError } from '../../../../shared/contract.ts';
import type { Reconciliation, UnattributedFill } from '../../../../shared/model.ts';
import { formatTimestamp } from '../../format.ts';
import { useCommands, useStratdesk, useStratdeskShallow } from '../../store/hooks.ts';
import { driftAlert, parseThreshold, REFRESH_MS, thresholdKey, verdict } from './reconciliationModel.ts';
import { TableHead, num } from '../../components/TableHead.tsx';
import { HostBudgets } from './HostBudgets.tsx';

type Load =
  | { phase: 'idle' }
  | { phase: 'running'; last: Reconciliation | null }
  | { phase: 'done'; value: Reconciliation }
  | { phase: 'failed'; error: CommandError };

export function ReconciliationSection({ accounts }: { accounts: readonly { id: string; isConnected: boolean }[] }) {
  const connected = accounts.filter((a) => a.isConnected);
  const budgets = useStratdesk((state) => state.vaultStatus?.hostBudgets);
  return (
    <>
      <HostBudgets budgets={budgets} />
      <section className="detail-section" aria-labelledby="reconcile-title" data-testid="reconciliation">
        <h3 id="reconcile-title">
          Reconciliation <span className="muted">the exchange against what the instances account for</span>
        </h3>
        {connected.length === 0 ? (
          <p className="empty">No account is connected.</p>
        ) : (
          connected.map((a) => <ReconciliationView key={a.id} accountId={a.id} />)
        )}
      </section>
    </>
  );
}

export function ReconciliationView({ accountId }: { accountId: string }) {
  const commands = useCommands();
  const [load, setLoad] = useState<Load>({ phase: 'idle' });
  const [threshold, setThreshold] = useState<string>(() => readThreshold(accountId));
  const generation = useRef(0);

  const run = useCallback(async (request: () => ReturnType<typeof commands.reconcileAccount>) => {
    const mine = ++generation.current;
    setLoad((l) => ({ phase: 'running', last: l.phase === 'done' ? l.value : l.phase === 'running' ? l.last : null }));
    const result = await request();
    // An older answer never replaces a newer one.
    if (mine !== generation.current) return;
    setLoad(result.ok ? { phase: 'done', value: result.value } : { phase: 'failed', error: result.error });
  }, []);
  const reconcile = useCallback(() => run(() => commands.reconcileAccount(accountId)), [run, commands, accountId]);

  useEffect(() => {
    void reconcile();
    const timer = setInterval(() => void reconcile(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [reconcile]);

  const shown = load.phase === 'done' ? load.value : load.phase === 'running' ? load.last : null;
  const limit = parseThreshold(threshold) ?? 0;
  const alert = shown === null ? null : driftAlert(shown, limit);
  const head = shown === null ? null : verdict(shown);

  return (
    <div className="reconciliation" data-testid={`reconciliation-${accountId}`} data-ok={shown === null ? '' : String(shown.ok)}>
      <p>
        <strong className="cell-id">{accountId}</strong>{' '}
        {head !== null && (
          <span className={`badge ${head.isMatched ? 'badge--status-live' : 'badge--status-paused'}`} data-testid="reconcile-verdict">
            {head.text}
          </span>
        )}{' '}
        {shown !== null && <span className="muted small">as of {formatTimestamp(shown.asOf)}</span>}{' '}
        <button
          type="button"
          className="button button--small"
          disabled={load.phase === 'running'}
          aria-busy={load.phase === 'running'}
          data-testid="reconcile-run"
          onClick={() => void reconcile()}
        >
          {load.phase === 'running' ? 'Reconciling…' : 'Reconcile'}
        </button>{' '}
        <label className="muted small">
          Alert past{' '}
          <input
            className="input input--narrow"
            inputMode="decimal"
            size={6}
            value={threshold}
            aria-invalid={parseThreshold(threshold) === null}
            data-testid="reconcile-threshold"
            onChange={(e) => {
              setThreshold(e.target.value);
              if (parseThreshold(e.target.value) !== null) writeThreshold(accountId, e.target.value);
            }}
          />{' '}
          (per asset or symbol, in its unit)
        </label>
      </p>
      {load.phase === 'failed' && (
        <p className="notice notice--error" role="alert" data-testid="reconcile-error">
          Reconciliation failed ({load.error.code}): {load.error.message}
        </p>
      )}
      {alert !== null && (
        <p className="notice notice--error" role="alert" data-testid="reconcile-alert">
          {alert}
        </p>
      )}
      {shown !== null && <Details accountId={accountId} r={shown} onAssigned={(request) => void run(request)} />}
    </div>
  );
}

function Details({
  accountId,
  r,
  onAssigned,
}: {
  accountId: string;
  r: Reconciliation;
  onAssigned: (request: () => ReturnType<ReturnType<typeof useCommands>['assignFill']>) => void;
}) {
  return (
    <>
      {r.notes.length > 0 && (
        <ul className="small" data-testid="reconcile-notes">
          {r.notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      )}
      <div className="table-scroll">
        <table className="grid grid--compact" data-testid="reconcile-assets">
          <TableHead columns={['Asset', num('Exchange'), num('Accounted'), num('Explained'), num('Difference')]} />
          <tbody>
            {r.assets.map((a) => (
              <tr key={a.asset} data-testid={`reconcile-asset-${a.asset}`} data-difference={a.difference}>
                <td>{a.asset}</td>
                <td className="num">{a.exchange}</td>
                <td className="num">{a.accounted}</td>
                <td className="num">{a.explained}</td>
                <td className="num">{a.difference === 0 ? '—' : signed(a.difference)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table className="grid grid--compact" data-testid="reconcile-positions">
          <TableHead columns={['Symbol', num('Exchange'), num('Accounted'), num('Difference')]} />
          <tbody>
            {r.positions.map((p) => (
              <tr key={p.symbol} data-testid={`reconcile-position-${p.symbol}`} data-difference={p.difference}>
                <td>{p.symbol}</td>
                <td className="num">{p.exchange}</td>
                <td className="num">{p.accounted}</td>
                <td className="num">{p.difference === 0 ? '—' : signed(p.difference)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {r.unattributed.length > 0 && <Unattributed accountId={accountId} fills={r.unattributed} onAssigned={onAssigned} />}
      {r.movements.length > 0 && (
        <ul className="small muted" data-testid="reconcile-movements">
          {r.movements.map((m, i) => (
            <li key={i} data-kind={m.kind}>
              {formatTimestamp(new Date(m.timestamp).toISOString())}: {m.note}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function Unattributed({
  accountId,
  fills,
  onAssigned,
}: {
  accountId: string;
  fills: readonly UnattributedFill[];
  onAssigned: (request: () => ReturnType<ReturnType<typeof useCommands>['assignFill']>) => void;
}) {
  const commands = useCommands();
  // The account's instances that can own a fill (a paper instance keeps its own book).
  const instances = useStratdeskShallow((s) =>
    Object.values(s.strategiesById)
      .filter((v) => v.account === accountId && v.mode !== 'paper')
      .map((v) => v.id)
      .sort(),
  );
  const [choice, setChoice] = useState<Record<string, string>>({});
  const assign = (f: UnattributedFill, instance: string | null): void =>
    onAssigned(() => commands.assignFill({ id: accountId, symbol: f.symbol, fillId: f.id, instance }));
  return (
    <table className="grid grid--compact" data-testid="reconcile-unattributed">
      <caption className="muted small">Fills no instance placed: another bot or a human?</caption>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Symbol</th>
          <th scope="col">Side</th>
          <th scope="col" className="num">
            Amount
          </th>
          <th scope="col" className="num">
            Price
          </th>
          <th scope="col">Belongs to</th>
        </tr>
      </thead>
      <tbody>
        {fills.map((f) => {
          const key = `${f.symbol}|${f.id}`;
          const picked = choice[key] ?? instances[0] ?? '';
          return (
            <tr key={key} data-testid={`reconcile-fill-${f.id}`}>
              <td>{formatTimestamp(new Date(f.timestamp).toISOString())}</td>
              <td>{f.symbol}</td>
              <td>{f.side}</td>
              <td className="num">{f.amount}</td>
              <td className="num">{f.price}</td>
              <td className="cell-actions">
                <select
                  aria-label={`Instance for fill ${f.id}`}
                  value={picked}
                  data-testid="reconcile-assign-instance"
                  onChange={(e) => setChoice((c) => ({ ...c, [key]: e.target.value }))}
                >
                  {instances.map((id) => (
                    <option key={id} value={id}>
                      {id}
                    </option>
                  ))}
                </select>{' '}
                <button
                  type="button"
                  className="button button--small"
                  disabled={picked === ''}
                  data-testid="reconcile-assign"
                  onClick={() => assign(f, picked)}
                >
                  Assign
                </button>{' '}
                <button type="button" className="button button--small" data-testid="reconcile-outside" onClick={() => assign(f, null)}>
                  Outside
                </button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function signed(value: number): string {
  return value > 0 ? `+${value}` : String(value);
}

function readThreshold(accountId: string): string {
  try {
    return globalThis.localStorage?.getItem(thresholdKey(accountId)) ?? '0';
  } catch {
    return '0';
  }
}

function writeThreshold(accountId: string, value: string): void {
  try {
    globalThis.localStorage?.setItem(thresholdKey(accountId), value);
  } catch {
    // Storage unavailable (private window): the threshold holds for this view only.
  }
}
