import { useEffect, type ReactNode, type RefObject } from 'react';

interface ModalProps {
  /** id of the heading inside, for aria-labelledby. */
  titleId: string;
  testId: string;
  /** Escape and a click outside call it; omit it while the answer is awaited (nothing to cancel). */
  onCancel?: (() => void) | undefined;
  /** Gets the focus when the dialog opens: Cancel for anything dangerous, so Enter alone does nothing harmful. */
  initialFocus: RefObject<HTMLElement | null>;
  children: ReactNode;
}

/** An alert dialog over everything (the confirm for a dangerous action). */
export function Modal({ titleId, testId, onCancel, initialFocus, children }: ModalProps) {
  useEffect(() => {
    initialFocus.current?.focus();
  }, [initialFocus]);
  return (
    <div className="modal-backdrop" onClick={onCancel}>
      <div
        className="modal"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid={testId}
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.stopPropagation();
            onCancel?.();
          }
        }}
      >
        {children}
      </div>
    </div>
  );
}
