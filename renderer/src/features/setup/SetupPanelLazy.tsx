/**
 * The set-up view is loaded on first open: its params form pulls in the shared schemas (zod), which
 * the dashboard itself never needs.
 */
import { lazy, Suspense } from 'react';
import { useCommands, useStratdesk } from '../../store/hooks.ts';
import { SheetToggle } from '../../components/Sheet.tsx';

const Panel = lazy(() => import('./SetupPanel.tsx').then((m) => ({ default: m.SetupPanel })));

export function SetupButton() {
  const isOpen = useStratdesk((state) => state.isSetupOpen);
  const commands = useCommands();
  return (
    <SheetToggle name="setup" isOpen={isOpen} onOpen={commands.openSetup} onClose={commands.closeSetup}>
      Set up
    </SheetToggle>
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
