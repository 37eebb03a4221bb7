import type { OperatorSaved, OperatorView, RegisterView } from '@kassa-relay/admin-api';
import type { OperatorRole } from '@kassa-relay/protocol';
import { type FormEvent, useState } from 'react';
import { api } from '../api/client';
import { useApi } from '../api/use-api';
import { useSession } from '../auth/session';
import { useI18n } from '../i18n/i18n';
import { Badge } from '../ui/badges';
import { ConfirmAction } from '../ui/confirm-action';
import { Dialog, FormActions } from '../ui/dialog';
import { FormError } from '../ui/form-error';
import { PageHeader, viewerHint } from '../ui/page';
import { Empty, Loaded } from '../ui/state-views';
import { useMutation } from '../ui/use-mutation';

const ROLES: OperatorRole[] = ['cashier', 'seniorCashier', 'administrator'];
const PIN = /^\d{4,8}$/;

type Editing =
  { mode: 'create' } | { mode: 'edit'; operator: OperatorView } | { mode: 'pin'; operator: OperatorView };

/** Cashiers of the organisation, bound to registers and synced to the cash-core registers. */
export function OperatorsPage() {
  const { t, tx, fmt } = useI18n();
  const session = useSession();
  const operators = useApi(api.operators.list());
  const registers = useApi(api.registers.list());
  const [editing, setEditing] = useState<Editing | null>(null);
  const [deleting, setDeleting] = useState<OperatorView | null>(null);
  const [notice, setNotice] = useState<{ text: string; syncErrors?: OperatorSaved['syncErrors'] } | null>(
    null,
  );
  const viewer = viewerHint(session.canChange, t('role.viewerCannot'));
  const registerName = (id: string) => registers.data?.find((r) => r.id === id)?.name ?? id;

  const saved = (operator: OperatorSaved, text: string) => {
    setEditing(null);
    setNotice({ text, ...(operator.syncErrors.length ? { syncErrors: operator.syncErrors } : {}) });
    operators.reload();
  };

  return (
    <>
      <PageHeader title={t('operators.title')}>
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => setEditing({ mode: 'create' })}
          {...viewer}
        >
          {t('operators.create')}
        </button>
      </PageHeader>
      <p className="muted">{t('operators.hint')}</p>
      <div aria-live="polite">
        {notice && (
          <div className={notice.syncErrors ? 'alert alert-warn' : 'alert alert-ok'} role="status">
            <p>{notice.text}</p>
            {notice.syncErrors && (
              <ul>
                {notice.syncErrors.map((e) => (
                  <li key={e.registerId}>
                    {t('operators.syncError', { register: registerName(e.registerId), message: e.message })}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
      </div>
      <Loaded state={operators}>
        {(list) =>
          list.length === 0 ? (
            <Empty>{t('operators.none')}</Empty>
          ) : (
            <div className="table-wrap">
              <table className="table operators-table">
                <thead>
                  <tr>
                    <th scope="col">{t('operators.name')}</th>
                    <th scope="col">{t('operators.role')}</th>
                    <th scope="col">{t('operators.pin')}</th>
                    <th scope="col">{t('operators.registers')}</th>
                    <th scope="col">
                      <span className="visually-hidden">{t('operators.actions')}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((operator) => (
                    <tr key={operator.id} data-operator={operator.name}>
                      <td data-label={t('operators.name')}>{operator.name}</td>
                      <td data-label={t('operators.role')}>
                        {tx(`operatorRole.${operator.role}`, operator.role)}
                      </td>
                      <td data-label={t('operators.pin')}>
                        {operator.hasPin ? (
                          <Badge tone="ok">{t('operators.pinSet')}</Badge>
                        ) : (
                          <Badge tone="muted">{t('operators.noPin')}</Badge>
                        )}
                      </td>
                      <td data-label={t('operators.registers')}>
                        {operator.registers.length === 0 ? (
                          <span className="muted">{t('operators.noRegisters')}</span>
                        ) : (
                          <ul className="plain">
                            {operator.registers.map((link) => (
                              <li key={link.registerId}>
                                {link.registerName}{' '}
                                {link.syncedAt ? (
                                  <span className="muted small" title={fmt.dateTime(link.syncedAt)}>
                                    {t('operators.synced', {
                                      code: link.registerCode ?? '—',
                                    })}
                                  </span>
                                ) : (
                                  <Badge tone="warn">{t('operators.notSynced')}</Badge>
                                )}
                              </li>
                            ))}
                          </ul>
                        )}
                      </td>
                      <td className="row-actions">
                        <button
                          type="button"
                          className="btn btn-small"
                          onClick={() => setEditing({ mode: 'edit', operator })}
                          {...viewer}
                        >
                          {t('action.edit')}
                        </button>
                        <button
                          type="button"
                          className="btn btn-small"
                          onClick={() => setEditing({ mode: 'pin', operator })}
                          {...viewer}
                        >
                          {t('operators.resetPin')}
                        </button>
                        <button
                          type="button"
                          className="btn btn-small btn-danger-outline"
                          onClick={() => setDeleting(operator)}
                          {...viewer}
                        >
                          {t('action.delete')}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
      {editing && editing.mode !== 'pin' && (
        <OperatorForm
          operator={editing.mode === 'edit' ? editing.operator : null}
          registers={registers.data ?? []}
          onCancel={() => setEditing(null)}
          onSaved={(operator) =>
            saved(
              operator,
              t(editing.mode === 'edit' ? 'operators.updated' : 'operators.created', { name: operator.name }),
            )
          }
        />
      )}
      {editing?.mode === 'pin' && (
        <PinForm
          operator={editing.operator}
          onCancel={() => setEditing(null)}
          onSaved={(operator) => saved(operator, t('operators.pinReset', { name: operator.name }))}
        />
      )}
      <ConfirmAction
        target={deleting}
        title={t('operators.deleteTitle')}
        confirmLabel={t('action.delete')}
        message={(operator) => t('operators.deleteConfirm', { name: operator.name })}
        perform={(operator) => api.operators.remove(operator.id)}
        onDone={(operator) => {
          setNotice({ text: t('operators.deleted', { name: operator.name }) });
          setDeleting(null);
          operators.reload();
        }}
        onClose={() => setDeleting(null)}
      />
    </>
  );
}

function OperatorForm({
  operator,
  registers,
  onCancel,
  onSaved,
}: {
  operator: OperatorView | null;
  registers: RegisterView[];
  onCancel(): void;
  onSaved(operator: OperatorSaved): void;
}) {
  const { t, tx } = useI18n();
  const [name, setName] = useState(operator?.name ?? '');
  const [role, setRole] = useState<OperatorRole>(operator?.role ?? 'cashier');
  const [pin, setPin] = useState('');
  const [bound, setBound] = useState<Set<string>>(
    new Set(operator?.registers.map((r) => r.registerId) ?? []),
  );
  const save = useMutation();
  const pinInvalid = pin !== '' && !PIN.test(pin);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (pinInvalid || !name.trim()) return;
    const body = { name: name.trim(), role, registerIds: [...bound], ...(pin ? { pin } : {}) };
    const answer = await save.run(() =>
      operator ? api.operators.update(operator.id, body) : api.operators.create(body),
    );
    if (answer.ok) onSaved(answer.value);
  };

  return (
    <Dialog open title={operator ? t('operators.editTitle') : t('operators.create')} onClose={onCancel}>
      <form onSubmit={(e) => void submit(e)}>
        <label className="field">
          <span>{t('operators.name')}</span>
          <input name="name" required data-autofocus value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('operators.role')}</span>
          <select name="role" value={role} onChange={(e) => setRole(e.target.value as OperatorRole)}>
            {ROLES.map((value) => (
              <option key={value} value={value}>
                {tx(`operatorRole.${value}`, value)}
              </option>
            ))}
          </select>
        </label>
        {!operator && (
          <label className="field">
            <span>{t('operators.pinOptional')}</span>
            <input
              name="pin"
              inputMode="numeric"
              autoComplete="off"
              value={pin}
              aria-invalid={pinInvalid}
              onChange={(e) => setPin(e.target.value.trim())}
            />
            {pinInvalid && <span className="field-error">{t('operators.pinRule')}</span>}
          </label>
        )}
        <fieldset className="field">
          <legend>{t('operators.registers')}</legend>
          {registers.length === 0 && <p className="muted">{t('overview.noRegisters')}</p>}
          {registers.map((register) => (
            <label key={register.id} className="check">
              <input
                type="checkbox"
                checked={bound.has(register.id)}
                onChange={(e) =>
                  setBound((current) => {
                    const next = new Set(current);
                    if (e.target.checked) next.add(register.id);
                    else next.delete(register.id);
                    return next;
                  })
                }
              />
              {register.name}{' '}
              <span className="muted small">
                ({register.storeName} · {tx(`registerKind.${register.kind}`, register.kind)})
              </span>
            </label>
          ))}
        </fieldset>
        <FormError error={save.error} />
        <FormActions busy={save.busy} onCancel={onCancel} />
      </form>
    </Dialog>
  );
}

function PinForm({
  operator,
  onCancel,
  onSaved,
}: {
  operator: OperatorView;
  onCancel(): void;
  onSaved(operator: OperatorSaved): void;
}) {
  const { t } = useI18n();
  const [pin, setPin] = useState('');
  const save = useMutation();
  const valid = PIN.test(pin);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!valid) return;
    const answer = await save.run(() => api.operators.resetPin(operator.id, { pin }));
    if (answer.ok) onSaved(answer.value);
  };
  return (
    <Dialog open title={t('operators.resetPinTitle', { name: operator.name })} onClose={onCancel}>
      <form onSubmit={(e) => void submit(e)}>
        <label className="field">
          <span>{t('operators.newPin')}</span>
          <input
            name="pin"
            inputMode="numeric"
            autoComplete="off"
            required
            data-autofocus
            value={pin}
            aria-invalid={pin !== '' && !valid}
            onChange={(e) => setPin(e.target.value.trim())}
          />
          {pin !== '' && !valid && <span className="field-error">{t('operators.pinRule')}</span>}
        </label>
        <FormError error={save.error} />
        <FormActions
          busy={save.busy}
          onCancel={onCancel}
          submitLabel={t('operators.resetPin')}
          submitDisabled={!valid}
        />
      </form>
    </Dialog>
  );
}
