import { useRef, useState } from 'react';
import type { InstanceView } from '../../../../shared/model.ts';
import { formatCount } from '../../format.ts';
import { useCommands, useStratdesk } from '../../store/hooks.ts';
import type { StratdeskState } from '../../store/index.ts';
import { Modal } from '../../components/Modal.tsx';

export interface RunningCounts {
  running: number;
  /** Of those, places real orders. */
  live: number;
  /** Of those, funding-rate arbitrages (their hedge is unwound on stop). */
  hedges: number;
}

/** What Stop all would stop, from the instances the host reported. */
export function runningCounts(ids: readonly string[], byId: Readonly<Record<string, InstanceView>>): RunningCounts {
  const counts = { running: 0, live: 0, hedges: 0 };
  for (const id of ids) {
    const instance = byId[id];
    if (instance === undefined || !instance.running) continue;
    counts.running += 1;
    if (instance.mode === 'live') counts.live += 1;
    if (instance.type === 'funding_rate') counts.hedges += 1;
  }
  return counts;
}

const selectRunning = (state: StratdeskState): number => runningCounts(state.instanceIds, state.instancesById).running;

/** The kill switch in the header: red, always visible, and it always asks first. */
export function StopAllButton() {
  const running = useStratdesk(selectRunning);
  const phase = useStratdesk((state) => state.stopAll);
  const hasSnapshot = useStratdesk((state) => state.seq !== null);
  const commands = useCommands();
  const isIdle = hasSnapshot && running === 0;
  return (
    <button
      type="button"
      className="button button--danger-solid stop-all-button"
      data-testid="stop-all"
      disabled={!hasSnapshot || phase !== 'closed'}
      aria-haspopup="dialog"
      title={
        isIdle
          ? 'Nothing is running. Stop all would still cancel every open order.'
          : 'Kill switch: stops every instance, cancels their open orders and unwinds funding hedges (asks first)'
      }
      onClick={commands.askStopAll}
    >
      {phase === 'running' ? 'Stopping all…' : 'Stop all'}
    </button>
  );
}

export function StopAllDialog() {
  const phase = useStratdesk((state) => state.stopAll);
  if (phase === 'closed') return null;
  return <StopAllConfirm isSending={phase === 'running'} />;
}

function StopAllConfirm({ isSending }: { isSending: boolean }) {
  const ids = useStratdesk((state) => state.instanceIds);
  const byId = useStratdesk((state) => state.instancesById);
  const commands = useCommands();
  const [reason, setReason] = useState('');
  const noRef = useRef<HTMLButtonElement>(null);
  const counts = runningCounts(ids, byId);
  const others = counts.running - counts.live;
  return (
    <Modal titleId="stop-all-title" testId="stop-all-dialog" onCancel={isSending ? undefined : commands.cancelStopAll} initialFocus={noRef}>
      <h2 id="stop-all-title" className="modal-title modal-title--danger">
        Stop all {formatCount(counts.running)} running {counts.running === 1 ? 'instance' : 'instances'}?
      </h2>
      <ul className="stop-all-effects" data-testid="stop-all-effects">
        <li>
          <strong>Every instance stops</strong> and nothing trades until you start each one again.
        </li>
        <li>
          <strong>Every open order is cancelled</strong> on every account.
        </li>
        <li>
          <strong>Funding-rate hedges are unwound</strong>: the spot leg is sold and the perpetual short bought back, at market
          {counts.hedges > 0 ? ` (${formatCount(counts.hedges)} running now)` : ' (none is running now)'}.
        </li>
        <li>Market makers&apos; inventory stays on the exchange as it is.</li>
      </ul>
      <p className="muted small">
        {formatCount(counts.live)} trade real money{others > 0 ? `, ${formatCount(others)} in paper or observe mode` : ''}. A paused
        strategy's instance stops too; it keeps its paused status.
      </p>
      <label className="field field--stack">
        Reason (kept in the audit trail, optional)
        <input
          type="text"
          className="input"
          maxLength={500}
          value={reason}
          disabled={isSending}
          data-testid="stop-all-reason"
          onChange={(e) => setReason(e.target.value)}
        />
      </label>
      <div className="panel-actions">
        <button
          ref={noRef}
          type="button"
          className="button"
          data-testid="stop-all-no"
          disabled={isSending}
          onClick={commands.cancelStopAll}
        >
          Cancel
        </button>
        <button
          type="button"
          className="button button--danger-solid"
          data-testid="stop-all-yes"
          disabled={isSending}
          aria-busy={isSending}
          onClick={() => void commands.confirmStopAll(reason)}
        >
          {isSending ? 'Stopping…' : 'Stop everything'}
        </button>
      </div>
    </Modal>
  );
}
