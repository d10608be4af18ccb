import { useEffect, useRef } from 'react';
import { useCommands, useStratdesk } from '../../store/hooks.ts';
import type { RowAction } from '../../store/index.ts';

const WHAT: Record<RowAction, { verb: string; text: string }> = {
  pause: { verb: 'Pause', text: 'No new orders; open orders are cancelled; positions are kept; it keeps syncing.' },
  resume: { verb: 'Resume', text: 'It starts placing orders again with its current budget.' },
  stop: {
    verb: 'Stop',
    text: 'The instance stops: open orders are cancelled and nothing runs until you start it again. Positions stay open on the exchange.',
  },
  start: { verb: 'Start', text: 'The instance starts and may place orders at once.' },
};

const STOP_HEDGE =
  'The instance stops: open orders are cancelled and its hedge is unwound (the spot leg sold, the perpetual short bought back). Nothing runs until you start it again.';

/** Asks before an action that changes what trades. Stop focuses Cancel, so Enter alone never stops. */
export function ConfirmDialog() {
  const confirm = useStratdesk((state) => state.confirm);
  const mode = useStratdesk((state) => (confirm === null ? undefined : state.strategiesById[confirm.id]?.mode));
  const type = useStratdesk((state) => (confirm === null ? undefined : state.strategiesById[confirm.id]?.type));
  const commands = useCommands();
  const yesRef = useRef<HTMLButtonElement>(null);
  const noRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirm === null) return;
    (confirm.action === 'stop' ? noRef : yesRef).current?.focus();
  }, [confirm]);
  if (confirm === null) return null;
  const { verb } = WHAT[confirm.action];
  // A funding arbitrage's stop also closes its hedge (the strategy's own exit), unlike a market maker's.
  const text = confirm.action === 'stop' && type === 'funding_rate' ? STOP_HEDGE : WHAT[confirm.action].text;
  return (
    <div className="modal-backdrop" onClick={commands.cancelPending}>
      <div
        className="modal"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="confirm-title"
        aria-describedby="confirm-text"
        data-testid="confirm-dialog"
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          if (e.key === 'Escape') commands.cancelPending();
        }}
      >
        <h2 id="confirm-title" className="modal-title">
          {verb} {confirm.id}?
        </h2>
        <p id="confirm-text">
          {text}
          {mode !== undefined && mode !== 'live' && ` (${mode} mode: no real orders.)`}
        </p>
        <div className="panel-actions">
          <button ref={noRef} type="button" className="button" data-testid="confirm-no" onClick={commands.cancelPending}>
            Cancel
          </button>
          <button
            ref={yesRef}
            type="button"
            className={`button ${confirm.action === 'stop' ? 'button--danger-solid' : 'button--primary'}`}
            data-testid="confirm-yes"
            onClick={() => void commands.confirmPending()}
          >
            {verb} {confirm.id}
          </button>
        </div>
      </div>
    </div>
  );
}
