import type {
  DocumentDetails,
  ResolveAnswer,
  ResolveDecision,
  resolveDocumentBody,
  Wire,
} from '@kassa-relay/admin-api';
import { type FormEvent, useState } from 'react';
import { api } from '../api/client';
import { useSession } from '../auth/session';
import { useI18n } from '../i18n/i18n';
import { ConfirmAction } from '../ui/confirm-action';
import { Section, viewerHint } from '../ui/page';

/** What the store agent learned while reconciling the document with the register, latest first. */
export function DoubtSection({ document }: { document: DocumentDetails }) {
  const { t, tx, fmt } = useI18n();
  const doubt = document.doubt;
  if (!doubt) return null;
  return (
    <Section title={t('document.doubt')} id="doc-doubt">
      <dl className="details">
        <dt>{t('document.doubtSince')}</dt>
        <dd>{fmt.dateTime(doubt.since)}</dd>
        {doubt.attempts !== null && (
          <>
            <dt>{t('document.doubtAttempts')}</dt>
            <dd>{doubt.attempts}</dd>
          </>
        )}
        {doubt.updatedAt && (
          <>
            <dt>{t('document.doubtUpdated')}</dt>
            <dd>{fmt.dateTime(doubt.updatedAt)}</dd>
          </>
        )}
        {doubt.needs && document.status === 'inDoubt' && (
          <>
            <dt>{t('document.needs')}</dt>
            <dd className="alert-warn-text" data-field="needs">
              {tx(`needs.${doubt.needs}`, doubt.needs)}
            </dd>
          </>
        )}
      </dl>
      <h3 className="subheading">{t('document.evidence')}</h3>
      {doubt.evidence.length === 0 ? (
        <p className="muted">{t('document.noEvidence')}</p>
      ) : (
        <ol className="evidence">
          {doubt.evidence.map((line, index) => (
            <li key={index}>
              <time dateTime={line.at}>{fmt.dateTime(line.at)}</time>
              <span>{line.text}</span>
            </li>
          ))}
        </ol>
      )}
    </Section>
  );
}

/** Who decided a document that was in doubt, what, when and why. */
export function ResolutionSection({ document }: { document: DocumentDetails }) {
  const { t, fmt } = useI18n();
  const resolution = document.resolution;
  if (!resolution) return null;
  return (
    <Section title={t('resolution.title')} id="doc-resolution">
      <dl className="details">
        <dt>{t('resolution.decision')}</dt>
        <dd data-field="decision">
          {t(resolution.decision === 'done' ? 'resolution.done' : 'resolution.notDone')}
        </dd>
        <dt>{t('resolution.by')}</dt>
        <dd>{resolution.by}</dd>
        <dt>{t('resolution.at')}</dt>
        <dd>{fmt.dateTime(resolution.at)}</dd>
        <dt>{t('resolution.note')}</dt>
        <dd>{resolution.note ?? '—'}</dd>
      </dl>
    </Section>
  );
}

type Decision = Wire<typeof resolveDocumentBody>;

/**
 * An admin's decision on a document in doubt, for when the register can never tell: made/not made,
 * the fiscal id when made, and the reason — then confirmed, because it cannot be undone.
 */
export function ResolveForm({
  document,
  onResolved,
}: {
  document: DocumentDetails;
  onResolved(answer: ResolveAnswer): void;
}) {
  const { t } = useI18n();
  const session = useSession();
  const [decision, setDecision] = useState<ResolveDecision | ''>('');
  const [fiscalId, setFiscalId] = useState('');
  const [note, setNote] = useState('');
  const [tried, setTried] = useState(false);
  const [confirming, setConfirming] = useState<Decision | null>(null);
  const viewer = viewerHint(session.canChange, t('role.viewerCannot'));
  const disabled = !session.canChange;

  const fiscalMissing = decision === 'done' && document.kind === 'receipt' && fiscalId.trim() === '';
  const noteMissing = note.trim() === '';
  const invalid = decision === '' || fiscalMissing || noteMissing;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (invalid || disabled) return;
    setConfirming({
      decision,
      ...(decision === 'done' && fiscalId.trim() ? { fiscalId: fiscalId.trim() } : {}),
      note: note.trim(),
    });
  };

  return (
    <Section title={t('resolve.title')} id="doc-resolve">
      <p className="muted">{t('resolve.hint')}</p>
      {disabled && <p className="muted small">{t('role.viewerCannot')}</p>}
      <form className="resolve-form" onSubmit={submit} noValidate>
        <fieldset className="field" disabled={disabled}>
          <legend>{t('resolve.decision')}</legend>
          {(['done', 'notDone'] as const).map((value) => (
            <label key={value} className="check">
              <input
                type="radio"
                name="decision"
                value={value}
                checked={decision === value}
                onChange={() => setDecision(value)}
              />
              {t(value === 'done' ? 'resolve.done' : 'resolve.notDone')}
            </label>
          ))}
          {tried && decision === '' && <span className="field-error">{t('resolve.decisionRequired')}</span>}
        </fieldset>
        {decision === 'done' && (
          <label className="field">
            <span>{t('resolve.fiscalId')}</span>
            <input
              className="mono"
              value={fiscalId}
              autoComplete="off"
              disabled={disabled}
              aria-invalid={tried && fiscalMissing}
              onChange={(e) => setFiscalId(e.target.value)}
            />
            {tried && fiscalMissing && <span className="field-error">{t('resolve.fiscalIdRequired')}</span>}
          </label>
        )}
        <label className="field">
          <span>{t('resolve.note')}</span>
          <textarea
            rows={3}
            maxLength={500}
            value={note}
            placeholder={t('resolve.notePlaceholder')}
            disabled={disabled}
            aria-invalid={tried && noteMissing}
            onChange={(e) => setNote(e.target.value)}
          />
          {tried && noteMissing && <span className="field-error">{t('resolve.noteRequired')}</span>}
        </label>
        <button type="submit" className="btn btn-danger-outline" {...viewer} disabled={disabled}>
          {t('resolve.submit')}
        </button>
      </form>
      <ConfirmAction<Decision>
        target={confirming}
        title={t('resolve.confirmTitle')}
        confirmLabel={t('resolve.confirm')}
        message={(body) =>
          body.decision === 'done'
            ? t('resolve.confirmDone', {
                fiscal: body.fiscalId ? t('resolve.confirmFiscal', { fiscalId: body.fiscalId }) : '',
              })
            : t('resolve.confirmNotDone')
        }
        perform={(body) =>
          api.documents.resolve(document.id, body).then((answer) => {
            onResolved(answer);
            return answer;
          })
        }
        onDone={() => setConfirming(null)}
        onClose={() => setConfirming(null)}
      />
    </Section>
  );
}

/** How the store agent took the decision, in plain words. */
export function ResolveOutcome({ answer }: { answer: ResolveAnswer }) {
  const { t } = useI18n();
  const agent = answer.resolveCommand;
  const text =
    agent.status === 'done'
      ? t('resolve.agentDone')
      : agent.status === 'failed'
        ? t('resolve.agentFailed', { message: agent.error?.message ?? '' })
        : agent.status === 'notSent'
          ? t('resolve.agentNotSent')
          : t('resolve.agentPending');
  return (
    <div
      className={`alert ${agent.status === 'failed' ? 'alert-warn' : 'alert-ok'} command-outcome`}
      role="status"
    >
      <p>
        <strong>{t('resolve.saved')}</strong>
      </p>
      <p>{text}</p>
    </div>
  );
}
