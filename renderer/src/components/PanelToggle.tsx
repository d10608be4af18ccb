import type { ReactNode } from 'react';

/** The header button that opens and closes a side panel; aria-expanded/-controls tie it to the panel. */
export function PanelToggle(props: { isOpen: boolean; panelId: string; testId: string; onToggle: () => void; children: ReactNode }) {
  return (
    <button
      type="button"
      className="button"
      data-testid={props.testId}
      aria-expanded={props.isOpen}
      aria-controls={props.panelId}
      onClick={props.onToggle}
    >
      {props.children}
    </button>
  );
}
