import { useStratdesk } from '../../store/hooks.ts';

export function ConnectionIndicator() {
  const connection = useStratdesk((state) => state.connection);
  const hasEverConnected = useStratdesk((state) => state.hasEverConnected);
  const label = connection === 'connected' ? 'Connected' : hasEverConnected ? 'Reconnecting…' : 'Connecting…';
  return (
    <span
      className={`connection connection--${connection}`}
      data-testid="connection"
      data-state={connection}
      role="status"
      title={connection === 'connected' ? 'Receiving live updates' : 'Not receiving updates; figures on screen may be old'}
    >
      <span className="connection-dot" aria-hidden="true" />
      {label}
    </span>
  );
}
