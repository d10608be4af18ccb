/**
 * The accounts view's request budgets (issue 12): per exchange host and weight pool, the weight used
 * over the limit in the current window, shared by every account on that host. From the vault status
 * the accounts view refreshes every few seconds; nothing shows before any request was made.
 */
import type { HostBudget } from '../../../../shared/model.ts';
import { TableHead, num } from '../../components/TableHead.tsx';
import { formatWeight } from '../../format.ts';
import { budgetRows } from './budgetModel.ts';

const LEVEL_BADGE = { ok: 'badge--status-live', busy: 'badge--status-paused', full: 'badge--status-stopped' } as const;
const LEVEL_TEXT = { ok: 'ok', busy: 'busy', full: 'reads wait' } as const;

export function HostBudgets({ budgets }: { budgets: readonly HostBudget[] | undefined }) {
  const rows = budgetRows(budgets, Date.now());
  return (
    <section className="detail-section" aria-labelledby="budgets-title" data-testid="host-budgets">
      <h3 id="budgets-title">
        Request budget <span className="muted">each exchange host&apos;s weight in use this window, shared by its accounts</span>
      </h3>
      {rows.length === 0 ? (
        <p className="empty">No request made yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="grid grid--compact">
            <TableHead columns={['Host', 'Pool', num('Used / limit'), num('Share'), 'State', 'Notes']} />
            <tbody>
              {rows.map((r) => (
                <tr key={r.key} data-testid="host-budget" data-host={r.host} data-pool={r.pool} data-level={r.level}>
                  <td className="cell-id">{r.host}</td>
                  <td>{r.pool}</td>
                  <td className="num">{r.usedText}</td>
                  <td className="num">
                    {/* A native <progress>: the CSP forbids inline styles (the catch-up bar's look). */}
                    <progress
                      className="catch-up-bar"
                      max={1}
                      value={r.share}
                      aria-label={`${r.host} ${r.pool}: ${formatWeight(r.share)} used`}
                    />{' '}
                    {formatWeight(r.share)}
                  </td>
                  <td>
                    <span className={`badge ${LEVEL_BADGE[r.level]}`}>{LEVEL_TEXT[r.level]}</span>
                  </td>
                  <td className="muted small">{r.note}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
