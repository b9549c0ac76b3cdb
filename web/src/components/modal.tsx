import { type ReactNode, useEffect, useId, useLayoutEffect, useRef } from 'react';

/**
 * A native modal `<dialog>`: the browser keeps focus inside, Escape closes it, and the
 * page behind is inert. Focus starts on the element marked `data-autofocus`.
 */
export function Modal(props: { title: string; onClose: () => void; children: ReactNode; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const onClose = useRef(props.onClose);
  onClose.current = props.onClose;
  useLayoutEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement as HTMLElement | null;
    dialog.showModal();
    (dialog.querySelector<HTMLElement>('[data-autofocus]') ?? dialog.querySelector<HTMLElement>('input, select, textarea, button'))?.focus();
    return () => {
      if (dialog.open) dialog.close();
      opener?.focus?.();
    };
  }, []);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const cancel = (event: Event) => {
      event.preventDefault();
      onClose.current();
    };
    dialog.addEventListener('cancel', cancel);
    return () => dialog.removeEventListener('cancel', cancel);
  }, []);
  return (
    <dialog ref={ref} className={props.wide ? 'modal modal-wide' : 'modal'} aria-labelledby={titleId}>
      <div className="modal-head">
        <h2 id={titleId}>{props.title}</h2>
        <button type="button" className="icon-button" onClick={() => onClose.current()} aria-label="Close">
          ×
        </button>
      </div>
      {props.children}
    </dialog>
  );
}

/** Asks before something that cannot be undone. */
export function ConfirmDialog(props: { title: string; children: ReactNode; confirmLabel: string; busy?: boolean; busyLabel?: string; error?: string; onConfirm: () => void; onCancel: () => void }) {
  return (
    <Modal title={props.title} onClose={props.onCancel}>
      <div className="modal-body">{props.children}</div>
      {props.error ? (
        <p className="notice notice-error" role="alert">
          {props.error}
        </p>
      ) : null}
      <div className="modal-actions">
        <button type="button" className="button" onClick={props.onCancel} data-autofocus>
          Cancel
        </button>
        <button type="button" className="button button-danger" onClick={props.onConfirm} disabled={props.busy}>
          {props.busy ? (props.busyLabel ?? 'Removing…') : props.confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
