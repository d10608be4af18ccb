/**
 * The set-up view is loaded on first open: its params form pulls in the shared schemas (zod), which
 * the dashboard itself never needs.
 */
import { lazy, Suspense } from 'react';
import { useCommands, useStratdesk } from '../../store/hooks.ts';

const Panel = lazy(() => import('./SetupPanel.tsx').then((m) => ({ default: m.SetupPanel })));

export function SetupButton() {
  const isOpen = useStratdesk((state) => state.isSetupOpen);
  const commands = useCommands();
  return (
    <button
      type="button"
      className="button"
      data-testid="setup-button"
      aria-expanded={isOpen}
      aria-controls="setup-panel"
      onClick={() => (isOpen ? commands.closeSetup() : commands.openSetup())}
    >
      Set up
    </button>
  );
}

export function SetupPanel() {
  const isOpen = useStratdesk((state) => state.isSetupOpen);
  if (!isOpen) return null;
  return (
    <Suspense fallback={<aside className="vault-panel" aria-busy="true" />}>
      <Panel />
    </Suspense>
  );
}
