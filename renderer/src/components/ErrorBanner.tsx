import { useStratdesk } from '../store/hooks.ts';

/** Every failed command shows here until the trader dismisses it: errors are never swallowed. */
export function ErrorBanner() {
  const errors = useStratdesk((state) => state.errors);
  const dismissError = useStratdesk((state) => state.dismissError);
  if (errors.length === 0) return null;
  return (
    <div className="error-banner" role="alert" data-testid="error-banner">
      {errors.map((error) => (
        <div key={error.id} className="error-item" data-testid="error" data-code={error.code}>
          <span className="error-text">
            <strong>{error.source} failed</strong> ({error.code}): {error.message}
            {error.count > 1 && <span className="error-count"> ×{error.count}</span>}
          </span>
          <button type="button" className="button button--ghost" onClick={() => dismissError(error.id)}>
            Dismiss
          </button>
        </div>
      ))}
    </div>
  );
}
