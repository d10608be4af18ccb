import type { HealthState, StrategyStatus } from '../../../../shared/model.ts';
import { useCommands, useStratdesk } from '../../store/hooks.ts';

const STATUSES: readonly StrategyStatus[] = ['live', 'paused', 'stopped'];
const HEALTH: readonly HealthState[] = ['ok', 'stale', 'error'];

function Chip({ label, isOn, onClick, testId }: { label: string; isOn: boolean; onClick: () => void; testId: string }) {
  return (
    <button type="button" className={`chip${isOn ? ' chip--on' : ''}`} aria-pressed={isOn} data-testid={testId} onClick={onClick}>
      {label}
    </button>
  );
}

/** Filters (remembered) and the portfolio actions. */
export function Toolbar() {
  const commands = useCommands();
  const isApplying = useStratdesk((state) => state.rebalance.phase === 'applying');
  const filter = useStratdesk((state) => state.prefs.filter);
  const setText = useStratdesk((state) => state.setFilterText);
  const toggleStatus = useStratdesk((state) => state.toggleStatusFilter);
  const toggleHealth = useStratdesk((state) => state.toggleHealthFilter);
  const clear = useStratdesk((state) => state.clearFilters);
  const isFiltered = filter.text !== '' || filter.statuses.length > 0 || filter.health.length > 0;
  return (
    <div className="toolbar">
      <div className="filters" role="search">
        <input
          type="search"
          className="input"
          placeholder="Filter: id, account, symbol…"
          aria-label="Filter strategies"
          data-testid="filter-text"
          value={filter.text}
          onChange={(e) => setText(e.target.value)}
        />
        <span className="chip-group" aria-label="Status">
          {STATUSES.map((s) => (
            <Chip key={s} label={s} isOn={filter.statuses.includes(s)} onClick={() => toggleStatus(s)} testId={`chip-status-${s}`} />
          ))}
        </span>
        <span className="chip-group" aria-label="Health">
          {HEALTH.map((h) => (
            <Chip key={h} label={h} isOn={filter.health.includes(h)} onClick={() => toggleHealth(h)} testId={`chip-health-${h}`} />
          ))}
        </span>
        {isFiltered && (
          <button type="button" className="button button--ghost" data-testid="clear-filters" onClick={clear}>
            Clear filters
          </button>
        )}
      </div>
      <button type="button" className="button" disabled={isApplying} onClick={() => void commands.planRebalance(null)}>
        Rebalance
      </button>
    </div>
  );
}
