/**
 * The set-up view is loaded on first open: its params form pulls in the shared schemas (zod), which
 * the dashboard itself never needs.
 */
import { lazy, Suspense } from 'react';
import { useCommands, useStratdesk } from '../../store/hooks.ts';
import { PanelToggle } from '../../components/PanelToggle.tsx';

const Panel = lazy(() => import('./SetupPanel.tsx').then((m) => ({ default: m.SetupPanel })));

export function SetupButton() {
  const isOpen = useStratdesk((state) => state.isSetupOpen);
  const commands = useCommands();
  return (
    <PanelToggle
      isOpen={isOpen}
      panelId="setup-panel"
      testId="setup-button"
      onToggle={() => (isOpen ? commands.closeSetup() : commands.openSetup())}
    >
      Set up
    </PanelToggle>
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
