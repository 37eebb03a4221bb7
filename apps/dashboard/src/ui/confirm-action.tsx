import type { ReactNode } from 'react';
import { ConfirmDialog } from './dialog';
import { FormError } from './form-error';
import { useMutation } from './use-mutation';

/**
 * "Are you sure?" for one item (disable an agent, revoke a key, delete an operator), then the
 * call. A refusal stays in the dialog with the API's message; success hands the item to `onDone`.
 */
export function ConfirmAction<T>({
  target,
  title,
  confirmLabel,
  message,
  perform,
  onDone,
  onClose,
}: {
  /** The item asked about; null while the dialog is closed. */
  target: T | null;
  title: string;
  confirmLabel: string;
  message(target: T): ReactNode;
  perform(target: T): PromiseLike<unknown>;
  onDone(target: T): void;
  onClose(): void;
}) {
  const action = useMutation();
  return (
    <ConfirmDialog
      open={target !== null}
      title={title}
      confirmLabel={confirmLabel}
      danger
      busy={action.busy}
      onCancel={() => {
        onClose();
        action.clear();
      }}
      onConfirm={() => {
        if (target === null) return;
        void action
          .run(() => perform(target))
          .then((outcome) => {
            if (outcome.ok) onDone(target);
          });
      }}
    >
      {target !== null && <p>{message(target)}</p>}
      <FormError error={action.error} />
    </ConfirmDialog>
  );
}
