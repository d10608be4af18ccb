import { formatTimestamp } from '../../format.ts';
import { useCommands, useStratdesk } from '../../store/hooks.ts';
import { controlHeadline, ordersStillOpen, stillOpenLine } from './controlNotice.ts';

/**
 * What the last pause, stop, Stop all or cancel left on the book, under the header where the trader
 * is looking. While orders are still open the live count comes from the instances' health (the host
 * retries and publishes), so the notice turns clean when the exchange does.
 */
export function ControlNoticeBar() {
  const notice = useStratdesk((state) => state.controlNotice);
  const liveOpen = useStratdesk((state) => {
    const n = state.controlNotice;
    if (n === null || n.stillOpen.length === 0) return null;
    const ids = n.target === 'portfolio' ? state.strategyIds : [n.target];
    return ids.reduce((sum, id) => sum + (state.strategiesById[id]?.health.stillOpen?.length ?? 0), 0);
  });
  const commands = useCommands();
  if (notice === null) return null;
  const isClean = notice.stillOpen.length === 0;
  return (
    <div
      className={`notice control-notice ${isClean ? 'notice--ok' : 'notice--warn'}`}
      role={isClean ? 'status' : 'alert'}
      data-testid="control-notice"
      data-still-open={notice.stillOpen.length}
    >
      <div className="control-notice-head">
        <strong data-testid="control-notice-headline">{controlHeadline(notice)}</strong>
        <span className="muted small"> · {formatTimestamp(new Date(notice.at).toISOString())}</span>
        <button
          type="button"
          className="button button--ghost button--small"
          data-testid="control-notice-dismiss"
          onClick={commands.dismissControlNotice}
        >
          Dismiss
        </button>
      </div>
      {!isClean && (
        <>
          <ul className="control-notice-orders">
            {notice.stillOpen.map((o) => (
              <li key={`${o.instance}|${o.symbol}|${o.orderId}`}>{stillOpenLine(o)}</li>
            ))}
          </ul>
          {liveOpen !== null && (
            <p className="small" data-testid="control-notice-now">
              Now: {liveOpen === 0 ? 'the exchange shows the book clean.' : `${ordersStillOpen(liveOpen)}.`}
            </p>
          )}
        </>
      )}
    </div>
  );
}
