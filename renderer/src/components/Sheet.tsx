import { useEffect, useRef, type ReactNode } from 'react';
import { PanelToggle } from './PanelToggle.tsx';

/**
 * A panel along the window's right edge (accounts & keys, set-up): its title, a line on what it is
 * for, its buttons and Close, then its body. It takes the focus when it opens. Escape closes it from
 * anywhere in the window (a button that disables itself while it works drops the focus to the body),
 * unless a dialog over it took the key first or `canEscape` says no (edits not applied yet).
 * `name` names its ids: `<name>-panel` (the toggle's aria-controls), `<name>-title`, `<name>-close`.
 */
export function Sheet({
  name,
  className,
  title,
  lede,
  actions,
  onClose,
  canEscape,
  footer,
  children,
}: {
  name: string;
  className: string;
  title: string;
  lede: ReactNode;
  actions?: ReactNode;
  onClose: () => void;
  canEscape?: () => boolean;
  /** Below the body, outside its scroll (set-up's Apply row). */
  footer?: ReactNode;
  children: ReactNode;
}) {
  const panelRef = useRef<HTMLElement>(null);
  // Read at the key press: the listener stays registered while the panel is open.
  const closeRef = useRef({ onClose, canEscape });
  closeRef.current = { onClose, canEscape };
  useEffect(() => {
    panelRef.current?.focus();
    const onKey = (event: KeyboardEvent): void => {
      const { onClose: close, canEscape: mayClose } = closeRef.current;
      if (event.key === 'Escape' && !event.defaultPrevented && (mayClose?.() ?? true)) close();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <aside
      id={`${name}-panel`}
      ref={panelRef}
      className={className}
      data-testid={`${name}-panel`}
      aria-labelledby={`${name}-title`}
      tabIndex={-1}
    >
      <div className="detail-head">
        <div>
          <h2 id={`${name}-title`} className="detail-title">
            {title}
          </h2>
          <p className="muted small vault-lede">{lede}</p>
        </div>
        <div className="detail-head-actions">
          {actions}
          <button type="button" className="button" data-testid={`${name}-close`} onClick={onClose}>
            Close
          </button>
        </div>
      </div>
      <div className="detail-body">{children}</div>
      {footer}
    </aside>
  );
}

/** The header button that opens and closes the sheet called `name` (its test id: `<name>-button`). */
export function SheetToggle({
  name,
  isOpen,
  onOpen,
  onClose,
  children,
}: {
  name: string;
  isOpen: boolean;
  onOpen: () => void;
  onClose: () => void;
  children: ReactNode;
}) {
  return (
    <PanelToggle isOpen={isOpen} panelId={`${name}-panel`} testId={`${name}-button`} onToggle={isOpen ? onClose : onOpen}>
      {children}
    </PanelToggle>
  );
}
