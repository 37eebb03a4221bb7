import { queryString, type RegisterView } from '@kassa-relay/admin-api';
import { useI18n } from '../i18n/i18n';
import { hasWarning, presence, shiftLevel } from '../registers/register-health';
import { PresenceBadge, ShiftStatus, WarningChips } from '../registers/register-status';
import { Link } from '../router/router';
import { Badge, DocumentStatusBadge, useDocumentLabel } from '../ui/badges';

/** "in doubt: 2", linking to those documents: they wait for the agent's proof or an admin's decision. */
export function InDoubtBadge({ register }: { register: Pick<RegisterView, 'id' | 'storeId' | 'inDoubt'> }) {
  const { t } = useI18n();
  return (
    <Link
      href={`/documents${queryString({ storeId: register.storeId, registerId: register.id, status: 'inDoubt' })}`}
      className="in-doubt-link"
    >
      <Badge tone="warn" title={t('register.inDoubtHint')}>
        {t('register.inDoubtBadge', { count: register.inDoubt })}
      </Badge>
    </Link>
  );
}

export function RegisterCard({ register, now }: { register: RegisterView; now: number }) {
  const { t, tx, fmt } = useI18n();
  const label = useDocumentLabel();
  const shift = register.state.shiftOpen ? shiftLevel(register.state.shiftOpenedAt, now) : null;
  const tone =
    presence(register) !== 'online' || shift?.level === 'alarm'
      ? 'alarm'
      : hasWarning(register, now)
        ? 'warn'
        : 'ok';
  const last = register.lastDocument;
  return (
    <article
      className={`card register-card tone-${tone}`}
      data-register-id={register.id}
      aria-labelledby={`reg-${register.id}`}
    >
      <header className="card-head">
        <h2 id={`reg-${register.id}`}>
          <Link href={`/registers/${register.id}`}>{register.name}</Link>
        </h2>
        <PresenceBadge register={register} />
      </header>
      {register.inDoubt > 0 && <InDoubtBadge register={register} />}
      <p className="muted small">
        {register.storeName} · {tx(`registerKind.${register.kind}`, register.kind)}
      </p>
      <dl className="facts">
        <div>
          <dt>{t('register.shift')}</dt>
          <dd>
            <ShiftStatus register={register} now={now} />
          </dd>
        </div>
        <div>
          <dt>{t('register.cash')}</dt>
          <dd>{fmt.money(register.state.cashBalance, register.currency)}</dd>
        </div>
        <div>
          <dt>{t('register.salesToday')}</dt>
          <dd>
            {fmt.money(register.today.salesSum, register.currency)}{' '}
            <span className="muted small">({register.today.salesCount})</span>
          </dd>
        </div>
        <div>
          <dt>{t('register.returnsToday')}</dt>
          <dd>
            {fmt.money(register.today.returnsSum, register.currency)}{' '}
            <span className="muted small">({register.today.returnsCount})</span>
          </dd>
        </div>
        <div className="wide">
          <dt>{t('register.lastDocument')}</dt>
          <dd>
            {last ? (
              <Link href={`/documents/${last.id}`} className="last-document">
                {label(last.kind, last.operation)}
                {last.total !== null && ` · ${fmt.money(last.total, register.currency)}`} ·{' '}
                <time dateTime={last.requestedAt}>{fmt.relative(last.requestedAt, now)}</time>{' '}
                <DocumentStatusBadge status={last.status} />
              </Link>
            ) : (
              <span className="muted">{t('register.noDocuments')}</span>
            )}
          </dd>
        </div>
      </dl>
      <WarningChips register={register} now={now} />
    </article>
  );
}
