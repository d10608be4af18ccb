import { useState } from 'react';
import { formatTimestamp } from '../../format.ts';
import { useStratdesk } from '../../store/hooks.ts';

export function AlertsButton() {
  const unread = useStratdesk((state) => state.unreadAlerts);
  const isOpen = useStratdesk((state) => state.isAlertsOpen);
  const setOpen = useStratdesk((state) => state.setAlertsOpen);
  return (
    <button
      type="button"
      className={`button alerts-button${unread > 0 ? ' alerts-button--unread' : ''}`}
      data-testid="alerts-button"
      aria-expanded={isOpen}
      aria-controls="alerts-panel"
      onClick={() => setOpen(!isOpen)}
    >
      Alerts
      {unread > 0 && (
        <span className="alerts-unread" data-testid="alerts-unread">
          {unread}
        </span>
      )}
    </button>
  );
}

type Permission = 'default' | 'denied' | 'granted' | 'unsupported';

function notificationPermission(): Permission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

function NotificationToggle() {
  const isNotifying = useStratdesk((state) => state.prefs.isNotifying);
  const setNotifying = useStratdesk((state) => state.setNotifying);
  const [permission, setPermission] = useState<Permission>(() =>
    typeof window === 'undefined' ? 'unsupported' : notificationPermission(),
  );
  if (permission === 'unsupported') return <span className="muted">Desktop notifications are not available here.</span>;
  if (permission === 'denied') return <span className="muted">Desktop notifications are blocked in this browser's site settings.</span>;
  const onChange = async (wanted: boolean): Promise<void> => {
    if (wanted && Notification.permission !== 'granted') {
      // Asked only on this click: browsers ignore (and penalise) permission prompts without a gesture.
      const answer = await Notification.requestPermission();
      setPermission(answer);
      if (answer !== 'granted') return;
    }
    setNotifying(wanted);
  };
  return (
    <label className="field">
      <input
        type="checkbox"
        checked={isNotifying && permission === 'granted'}
        data-testid="notify-toggle"
        onChange={(e) => void onChange(e.target.checked)}
      />
      Desktop notifications
    </label>
  );
}

function ThresholdField() {
  const pct = useStratdesk((state) => state.prefs.drawdownAlertPct);
  const setPct = useStratdesk((state) => state.setDrawdownAlertPct);
  const [text, setText] = useState(() => String(Math.round(pct * 1000) / 10));
  return (
    <label className="field">
      Alert when max drawdown passes
      <input
        type="number"
        className="input input--narrow"
        min="0.1"
        max="99"
        step="0.1"
        value={text}
        data-testid="drawdown-threshold"
        onChange={(e) => {
          setText(e.target.value);
          const value = Number(e.target.value);
          if (Number.isFinite(value) && value > 0 && value < 100) setPct(value / 100);
        }}
      />
      % of equity at the peak
    </label>
  );
}

export function AlertsPanel() {
  const isOpen = useStratdesk((state) => state.isAlertsOpen);
  const alerts = useStratdesk((state) => state.alerts);
  const clear = useStratdesk((state) => state.clearAlerts);
  const select = useStratdesk((state) => state.select);
  const setOpen = useStratdesk((state) => state.setAlertsOpen);
  if (!isOpen) return null;
  const newestFirst = [...alerts].reverse();
  return (
    <section
      id="alerts-panel"
      className="alerts-panel"
      data-testid="alerts-panel"
      aria-label="Alerts"
      onKeyDown={(e) => {
        if (e.key === 'Escape') setOpen(false);
      }}
    >
      <div className="panel-head">
        <h2 className="panel-title">Alerts</h2>
        <div className="panel-head-actions">
          <button type="button" className="button button--ghost" onClick={clear} disabled={alerts.length === 0}>
            Clear
          </button>
          <button type="button" className="button button--ghost" onClick={() => setOpen(false)}>
            Close
          </button>
        </div>
      </div>
      <div className="alerts-settings">
        <ThresholdField />
        <NotificationToggle />
      </div>
      {newestFirst.length === 0 ? (
        <p className="empty">
          No alerts. You will see instances entering error or stale, drawdowns past the threshold and negative funding on arbitrages here.
        </p>
      ) : (
        <ol className="alerts-list" data-testid="alerts-list">
          {newestFirst.map((alert) => (
            <li
              key={alert.id}
              className={`alert alert--${alert.severity}`}
              data-testid="alert"
              data-kind={alert.kind}
              data-target={alert.target}
            >
              <div className="alert-head">
                <strong>{alert.title}</strong>
                <time className="muted">{formatTimestamp(new Date(alert.at).toISOString())}</time>
              </div>
              <div className="alert-body">{alert.message}</div>
              <button type="button" className="button button--ghost button--small" onClick={() => select(alert.target)}>
                Show {alert.target}
              </button>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
