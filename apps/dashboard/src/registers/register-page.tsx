import { queryString } from '@kassa-relay/admin-api';
import { api } from '../api/client';
import { useLiveEvent } from '../api/live';
import { mergeLiveState } from '../api/live-state';
import { useApi, useDebounced } from '../api/use-api';
import { DocumentsTable } from '../documents/documents-table';
import { useI18n } from '../i18n/i18n';
import { Link } from '../router/router';
import { PageHeader, Section } from '../ui/page';
import { Empty, Loaded } from '../ui/state-views';
import { useNow } from '../ui/use-now';
import { InDoubtBadge } from '../overview/register-card';
import { RegisterActions } from './register-actions';
import { PresenceBadge, ShiftStatus, WarningChips } from './register-status';
import { ShiftTotals } from './shift-totals';

export function RegisterPage({ id }: { id: string }) {
  const { t, tx, fmt } = useI18n();
  const now = useNow(15_000);
  const register = useApi(api.registers.get(id));
  const shifts = useApi(api.registers.shifts(id));
  const documents = useApi(api.documents.list({ registerId: id, limit: 10 }));
  // Documents the register has not confirmed: they wait for the agent's proof or an admin's decision.
  const inDoubt = useApi(api.documents.list({ registerId: id, status: 'inDoubt', limit: 50 }));

  useLiveEvent('register.state', ({ registerId, state }) => {
    if (registerId === id) register.update((r) => r && { ...r, state: mergeLiveState(r.state, state) });
  });
  useLiveEvent('agent.state', ({ agentId, online }) =>
    register.update((r) => (r && r.agentId === agentId ? { ...r, agentOnline: online } : r)),
  );
  const refresh = useDebounced(() => {
    register.reload();
    shifts.reload();
    documents.reload();
    inDoubt.reload();
  }, 250);
  useLiveEvent('document.changed', ({ registerId }) => registerId === id && refresh());
  useLiveEvent('shift.changed', ({ registerId }) => registerId === id && refresh());

  return (
    <Loaded state={register}>
      {(r) => {
        const current = shifts.data?.find((s) => s.closedAt === null && r.state.shiftOpen !== false);
        const device = r.device;
        return (
          <>
            <PageHeader title={r.name}>
              <PresenceBadge register={r} />
              <ShiftStatus register={r} now={now} />
              {r.inDoubt > 0 && <InDoubtBadge register={r} />}
            </PageHeader>
            <WarningChips register={r} now={now} />
            <div className="columns">
              <Section title={t('register.details')} id="details">
                <dl className="details">
                  <dt>{t('register.store')}</dt>
                  <dd>{r.storeName}</dd>
                  <dt>{t('register.kind')}</dt>
                  <dd>{tx(`registerKind.${r.kind}`, r.kind)}</dd>
                  <dt>{t('register.serial')}</dt>
                  <dd>{r.serialNumber ?? '—'}</dd>
                  <dt>{t('register.registrationNumber')}</dt>
                  <dd>{r.registrationNumber ?? '—'}</dd>
                  <dt>{t('register.inn')}</dt>
                  <dd>{r.inn ?? ((device.kind === 'ikkm' && device.inn) || '—')}</dd>
                  <dt>{t('register.agent')}</dt>
                  <dd>
                    {r.agentId ? (
                      <Link href="/agents">
                        {r.agentId} ({t(r.agentOnline ? 'agent.online' : 'agent.offline')})
                      </Link>
                    ) : (
                      t('register.noAgent')
                    )}
                  </dd>
                  <dt>{t('register.shiftNumber')}</dt>
                  <dd>{r.state.shiftNumber ?? '—'}</dd>
                  <dt>{t('register.currency')}</dt>
                  <dd>{r.currency}</dd>
                  <dt>{t('register.deviceUrl')}</dt>
                  <dd className="mono">{device.url}</dd>
                  {device.kind === 'cash-core' && (
                    <>
                      <dt>{t('register.kkmOfdId')}</dt>
                      <dd>{String(device.kkmOfdId)}</dd>
                    </>
                  )}
                  <dt>{t('register.updatedAt')}</dt>
                  <dd>
                    {r.state.updatedAt ? (
                      <time dateTime={r.state.updatedAt} title={fmt.dateTime(r.state.updatedAt)}>
                        {fmt.relative(r.state.updatedAt, now)}
                      </time>
                    ) : (
                      '—'
                    )}
                  </dd>
                </dl>
              </Section>
              <Section title={t('register.currentShift')} id="current-shift">
                <ShiftTotals register={r} shift={current} />
              </Section>
            </div>
            {(inDoubt.data?.items.length ?? 0) > 0 && (
              <Section title={t('register.inDoubtTitle')} id="in-doubt">
                <p className="alert alert-warn">{t('register.inDoubtHint')}</p>
                <DocumentsTable documents={inDoubt.data!.items} showRegister={false} />
                {inDoubt.data!.nextCursor && (
                  <p>
                    <Link
                      href={`/documents${queryString({ registerId: id, storeId: r.storeId, status: 'inDoubt' })}`}
                    >
                      {t('register.allDocuments')}
                    </Link>
                  </p>
                )}
              </Section>
            )}
            <Section title={t('register.actions')} id="actions">
              <RegisterActions register={r} onDone={refresh} />
            </Section>
            <Section title={t('register.recentDocuments')} id="recent">
              <Loaded state={documents}>
                {(page) =>
                  page.items.length === 0 ? (
                    <Empty>{t('register.noDocuments')}</Empty>
                  ) : (
                    <>
                      {/* Above the table: a new document's row (added live after a command) must not
                          move the links from under a pointer that is pressing one. */}
                      <p>
                        <Link href={`/documents${queryString({ registerId: id, storeId: r.storeId })}`}>
                          {t('register.allDocuments')}
                        </Link>{' '}
                        ·{' '}
                        <Link href={`/shifts${queryString({ registerId: id })}`}>
                          {t('register.allShifts')}
                        </Link>{' '}
                        · <Link href={`/pos-keys${queryString({ registerId: id })}`}>{t('nav.posKeys')}</Link>
                      </p>
                      <DocumentsTable documents={page.items} showRegister={false} />
                    </>
                  )
                }
              </Loaded>
            </Section>
          </>
        );
      }}
    </Loaded>
  );
}
