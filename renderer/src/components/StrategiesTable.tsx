import { useShallow } from 'zustand/react/shallow';
import { useStratdesk } from '../store/hooks.ts';
import { StrategyRow } from './StrategyRow.tsx';

/** Re-renders only when the list of ids changes; each row watches its own strategy. */
export function StrategiesTable() {
  const ids = useStratdesk(useShallow((state) => state.strategyIds));
  const hasSnapshot = useStratdesk((state) => state.seq !== null);

  return (
    <section className="panel" aria-labelledby="strategies-heading">
      <h2 id="strategies-heading" className="panel-title">
        Strategies
      </h2>
      <div className="table-scroll">
        <table className="grid strategies">
          <thead>
            <tr>
              <th scope="col">Strategy</th>
              <th scope="col">Type</th>
              <th scope="col">Account</th>
              <th scope="col">Mode</th>
              <th scope="col">Status</th>
              <th scope="col">Health</th>
              <th scope="col" className="num">
                Realized
              </th>
              <th scope="col" className="num" title="Effect on PnL: − paid, + rebate">
                Fees
              </th>
              <th scope="col" className="num" title="Realized + unrealized + funding − fees">
                Total PnL
              </th>
              <th scope="col" className="num">
                Trades
              </th>
              <th scope="col" className="num">
                Allocation
              </th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {ids.map((id) => (
              <StrategyRow key={id} id={id} />
            ))}
          </tbody>
        </table>
      </div>
      {!hasSnapshot && <p className="empty">Waiting for the first snapshot from the host…</p>}
      {hasSnapshot && ids.length === 0 && <p className="empty">No strategies in this workspace.</p>}
    </section>
  );
}
