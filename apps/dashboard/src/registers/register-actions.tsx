import type {
  CommandAnswer,
  registerCommandBody,
  RegisterCommandType,
  RegisterView,
  Wire,
} from '@kassa-relay/admin-api';
import { useState } from 'react';
import { api, ApiError } from '../api/client';
import { useSession } from '../auth/session';
import { type MessageKey, useI18n } from '../i18n/i18n';
import { Link } from '../router/router';
import { ConfirmDialog } from '../ui/dialog';
import { DeviceErrorText } from '../ui/device-error';
import { parseMoney } from '../ui/money-input';
import { viewerHint } from '../ui/page';

interface ActionSpec {
  type: RegisterCommandType;
  label: MessageKey;
  confirm: MessageKey;
  danger?: boolean;
  amount?: boolean;
}

const ACTIONS: ActionSpec[] = [
  { type: 'shift.open', label: 'action.shiftOpen', confirm: 'confirm.shiftOpen' },
  { type: 'report.x', label: 'action.reportX', confirm: 'confirm.reportX' },
  { type: 'shift.close', label: 'action.shiftClose', confirm: 'confirm.shiftClose', danger: true },
  { type: 'cash.in', label: 'action.cashIn', confirm: 'confirm.cashIn', amount: true },
  { type: 'cash.out', label: 'action.cashOut', confirm: 'confirm.cashOut', amount: true },
];

type Outcome = { action: ActionSpec; answer: CommandAnswer } | { action: ActionSpec; failure: ApiError };

/** The command body of an action: cash in/out carry their amount (minor units). */
function commandBody(type: RegisterCommandType, amount: number): Wire<typeof registerCommandBody> {
  return type === 'cash.in' || type === 'cash.out' ? { type, amount } : { type };
}

/** X report, shift open/close, cash in/out — each confirmed, each answered in plain words. */
export function RegisterActions({ register, onDone }: { register: RegisterView; onDone(): void }) {
  const { t } = useI18n();
  const session = useSession();
  const [pending, setPending] = useState<ActionSpec | null>(null);
  const [amountText, setAmountText] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const amount = parseMoney(amountText);
  const amountInvalid = pending?.amount && (amount === null || amount <= 0);

  const run = async () => {
    if (!pending || amountInvalid) return;
    const action = pending;
    setBusy(true);
    try {
      const answer = await api.registers.command(register.id, commandBody(action.type, amount ?? 0));
      setOutcome({ action, answer });
    } catch (error) {
      setOutcome({ action, failure: error instanceof ApiError ? error : new ApiError(0, String(error)) });
    } finally {
      setBusy(false);
      setPending(null);
      setAmountText('');
      onDone();
    }
  };

  return (
    <div className="actions-panel">
      <div className="button-row">
        {ACTIONS.map((action) => (
          <button
            key={action.type}
            type="button"
            className={action.danger ? 'btn btn-danger-outline' : 'btn'}
            onClick={() => {
              setOutcome(null);
              setPending(action);
            }}
            {...viewerHint(session.canChange, t('role.viewerCannot'))}
            disabled={!session.canChange || busy}
          >
            {t(action.label)}
          </button>
        ))}
      </div>
      {!session.canChange && <p className="muted small">{t('role.viewerCannot')}</p>}
      <div aria-live="polite" className="action-outcome-region">
        {busy && (
          <p className="alert alert-info" role="status">
            <span className="spinner" aria-hidden="true" /> {t('command.waiting')}
          </p>
        )}
        {outcome && <CommandOutcome outcome={outcome} register={register} />}
      </div>
      <ConfirmDialog
        open={pending !== null}
        title={pending ? t(pending.label) : ''}
        confirmLabel={pending ? t(pending.label) : ''}
        danger={pending?.danger ?? false}
        busy={busy}
        onCancel={() => {
          setPending(null);
          setAmountText('');
        }}
        onConfirm={() => void run()}
      >
        {pending && <p>{t(pending.confirm, { register: register.name })}</p>}
        {pending?.amount && (
          <label className="field">
            <span>{t('command.amount', { currency: register.currency })}</span>
            <input
              inputMode="decimal"
              autoComplete="off"
              required
              data-autofocus
              value={amountText}
              aria-invalid={amountText !== '' && !!amountInvalid}
              onChange={(e) => setAmountText(e.target.value)}
            />
            {amountText !== '' && amountInvalid && (
              <span className="field-error">{t('command.amountInvalid')}</span>
            )}
          </label>
        )}
      </ConfirmDialog>
    </div>
  );
}

function CommandOutcome({ outcome, register }: { outcome: Outcome; register: RegisterView }) {
  const { t, fmt } = useI18n();
  const label = t(outcome.action.label);
  if ('failure' in outcome) {
    const { failure } = outcome;
    return (
      <div className="alert alert-error command-outcome" role="alert">
        <p>
          <strong>{t('command.failed', { action: label })}</strong>
        </p>
        <p>
          {failure.domain ? (
            <DeviceErrorText error={failure.domain} />
          ) : failure.status === 0 ? (
            t('error.network')
          ) : failure.status === 403 ? (
            t('error.forbidden')
          ) : (
            failure.message
          )}
        </p>
      </div>
    );
  }
  const { answer } = outcome;
  const documentLink = <Link href={`/documents/${answer.documentId}`}>{t('command.openDocument')}</Link>;
  if (answer.status === 'failed')
    return (
      <div className="alert alert-error command-outcome" role="alert">
        <p>
          <strong>{t('command.failed', { action: label })}</strong>
        </p>
        {answer.error && (
          <p>
            <DeviceErrorText error={answer.error} />
          </p>
        )}
        <p>{documentLink}</p>
      </div>
    );
  if (answer.status === 'inDoubt')
    return (
      <div className="alert alert-warn command-outcome" role="status">
        <p>
          <strong>{t('command.inDoubt', { action: label })}</strong>
        </p>
        <p>{documentLink}</p>
      </div>
    );
  if (answer.status === 'pending')
    return (
      <div className="alert alert-warn command-outcome" role="status">
        <p>
          <strong>{t('command.pending', { action: label })}</strong>
        </p>
        <p>{documentLink}</p>
      </div>
    );
  const result = answer.result;
  const counters = result?.counters;
  return (
    <div className="alert alert-ok command-outcome" role="status">
      <p>
        <strong>{t('command.done', { action: label })}</strong>
      </p>
      <dl className="details compact">
        {result?.shiftNumber !== undefined && (
          <>
            <dt>{t('shift.number')}</dt>
            <dd>{result.shiftNumber}</dd>
          </>
        )}
        {result?.fiscalId && (
          <>
            <dt>{t('document.fiscalId')}</dt>
            <dd className="mono">{result.fiscalId}</dd>
          </>
        )}
        {result?.documentNumber !== undefined && (
          <>
            <dt>{t('document.documentNumber')}</dt>
            <dd>{result.documentNumber}</dd>
          </>
        )}
        {result?.total !== undefined && (
          <>
            <dt>{t('document.total')}</dt>
            <dd>{fmt.money(result.total, register.currency)}</dd>
          </>
        )}
        {counters && (
          <>
            <dt>{t('shift.sales')}</dt>
            <dd>
              {fmt.money(counters.sumSales, register.currency)} ({counters.countSales})
            </dd>
            <dt>{t('shift.returns')}</dt>
            <dd>
              {fmt.money(counters.sumReturns, register.currency)} ({counters.countReturns})
            </dd>
            <dt>{t('shift.cashIn')}</dt>
            <dd>{fmt.money(counters.sumInsert, register.currency)}</dd>
            <dt>{t('shift.cashOut')}</dt>
            <dd>{fmt.money(counters.sumRemove, register.currency)}</dd>
            <dt>{t('register.cash')}</dt>
            <dd>{fmt.money(counters.cashBalance, register.currency)}</dd>
          </>
        )}
      </dl>
      <p>{documentLink}</p>
    </div>
  );
}
