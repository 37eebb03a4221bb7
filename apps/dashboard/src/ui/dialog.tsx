import { type ReactNode, useEffect, useRef } from 'react';
import { useI18n } from '../i18n/i18n';

/**
 * A modal built on <dialog>: the browser traps focus, Escape closes it, and focus returns to the
 * button that opened it.
 */
export function Dialog({
  open,
  title,
  onClose,
  children,
}: {
  open: boolean;
  title: string;
  onClose(): void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      // showModal() focuses the first control; a form may name a better one (the amount field,
      // the confirming button of a harmless action).
      dialog.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    }
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="dialog-title"
      // The browser fires `close` in a task of its own, which a busy page may run after a quick
      // keyboard user has opened the dialog again (input goes first): that late event is not news.
      onClose={() => {
        if (!ref.current?.open) onClose();
      }}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      {open && (
        <>
          <h2 id="dialog-title">{title}</h2>
          {children}
        </>
      )}
    </dialog>
  );
}

/** "Are you sure?" for anything that changes a register or deletes something. */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  danger,
  busy,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  children?: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm(): void;
  onCancel(): void;
}) {
  const { t } = useI18n();
  return (
    <Dialog open={open} title={title} onClose={onCancel}>
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          onConfirm();
        }}
      >
        {children}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onCancel} disabled={busy}>
            {t('action.cancel')}
          </button>
          {/* A fiscal action that cannot be undone keeps the focus on Cancel: Enter alone never closes a shift. */}
          <button
            type="submit"
            className={danger ? 'btn btn-danger' : 'btn btn-primary'}
            disabled={busy}
            data-autofocus={danger ? undefined : true}
          >
            {busy ? t('state.working') : confirmLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Cancel and submit under a dialog's form; both wait while the change is being made. */
export function FormActions({
  busy,
  onCancel,
  submitLabel,
  submitDisabled = false,
}: {
  busy: boolean;
  onCancel(): void;
  submitLabel?: string;
  submitDisabled?: boolean;
}) {
  const { t } = useI18n();
  return (
    <div className="dialog-actions">
      <button type="button" className="btn" onClick={onCancel} disabled={busy}>
        {t('action.cancel')}
      </button>
      <button type="submit" className="btn btn-primary" disabled={busy || submitDisabled}>
        {busy ? t('state.working') : (submitLabel ?? t('action.save'))}
      </button>
    </div>
  );
}
