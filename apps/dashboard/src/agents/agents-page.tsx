import type { AgentView, EnrollmentTokenCreated, StoreView } from '@kassa-relay/admin-api';
import { type FormEvent, useState } from 'react';
import { api } from '../api/client';
import { useLiveEvent } from '../api/live';
import { useApi } from '../api/use-api';
import { useSession } from '../auth/session';
import { useI18n } from '../i18n/i18n';
import { Badge } from '../ui/badges';
import { CopyButton } from '../ui/copy-button';
import { ConfirmAction } from '../ui/confirm-action';
import { FormError } from '../ui/form-error';
import { PageHeader, Section, viewerHint } from '../ui/page';
import { Empty, Loaded } from '../ui/state-views';
import { useMutation } from '../ui/use-mutation';
import { useNow } from '../ui/use-now';

/** Store agents: who is online, their versions and journals; enrolling a new store PC. */
export function AgentsPage() {
  const { t, fmt } = useI18n();
  const session = useSession();
  const now = useNow(5_000);
  const agents = useApi(api.agents.list());
  const stores = useApi(api.stores.list());
  const tokens = useApi(api.agents.listEnrollmentTokens());
  const [disabling, setDisabling] = useState<AgentView | null>(null);
  const viewer = viewerHint(session.canChange, t('role.viewerCannot'));
  useLiveEvent('agent.state', ({ agentId, online, at }) =>
    agents.update((list) => list?.map((a) => (a.id === agentId ? { ...a, online, lastSeenAt: at } : a))),
  );

  return (
    <>
      <PageHeader title={t('agents.title')} />
      <Loaded state={agents}>
        {(list) =>
          list.length === 0 ? (
            <Empty>{t('agents.none')}</Empty>
          ) : (
            <div className="table-wrap">
              <table className="table agents-table">
                <thead>
                  <tr>
                    <th scope="col">{t('agents.name')}</th>
                    <th scope="col">{t('agents.store')}</th>
                    <th scope="col">{t('agents.state')}</th>
                    <th scope="col">{t('agents.version')}</th>
                    <th scope="col">{t('agents.lastSeen')}</th>
                    <th scope="col" className="num">
                      {t('agents.journal')}
                    </th>
                    <th scope="col" className="num">
                      {t('agents.inDoubt')}
                    </th>
                    <th scope="col" className="num">
                      {t('agents.registers')}
                    </th>
                    <th scope="col">
                      <span className="visually-hidden">{t('operators.actions')}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((agent) => (
                    <tr key={agent.id} data-agent-id={agent.id}>
                      <td data-label={t('agents.name')}>
                        {agent.name}
                        <div className="muted small mono">{agent.id}</div>
                      </td>
                      <td data-label={t('agents.store')}>{agent.storeName}</td>
                      <td data-label={t('agents.state')}>
                        {agent.disabled ? (
                          <Badge tone="muted">{t('agents.disabled')}</Badge>
                        ) : agent.online ? (
                          <Badge tone="ok">{t('agent.online')}</Badge>
                        ) : (
                          <Badge tone="alarm">{t('agent.offline')}</Badge>
                        )}
                        {agent.alerts.length > 0 && (
                          <ul className="chips">
                            {agent.alerts.map((alert, i) => (
                              <li key={i}>
                                <Badge tone="warn" title={alert.kind}>
                                  {alert.message}
                                </Badge>
                              </li>
                            ))}
                          </ul>
                        )}
                      </td>
                      <td data-label={t('agents.version')}>{agent.version ?? '—'}</td>
                      <td data-label={t('agents.lastSeen')}>
                        {agent.lastSeenAt ? (
                          <time dateTime={agent.lastSeenAt} title={fmt.dateTime(agent.lastSeenAt)}>
                            {fmt.relative(agent.lastSeenAt, now)}
                          </time>
                        ) : (
                          '—'
                        )}
                      </td>
                      <td data-label={t('agents.journal')} className="num">
                        {fmt.number(agent.journalDepth)}
                      </td>
                      <td data-label={t('agents.inDoubt')} className="num" data-field="inDoubt">
                        {agent.inDoubt ? (
                          <Badge tone="warn">{fmt.number(agent.inDoubt)}</Badge>
                        ) : (
                          fmt.number(agent.inDoubt)
                        )}
                      </td>
                      <td data-label={t('agents.registers')} className="num">
                        {agent.registerIds.length}
                      </td>
                      <td className="row-actions">
                        {!agent.disabled && (
                          <button
                            type="button"
                            className="btn btn-small btn-danger-outline"
                            onClick={() => setDisabling(agent)}
                            {...viewer}
                          >
                            {t('agents.disable')}
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
      <Section title={t('agents.enrollTitle')} id="enroll">
        <EnrollForm stores={stores.data ?? []} onCreated={tokens.reload} />
      </Section>
      <Section title={t('agents.tokens')} id="tokens">
        <Loaded state={tokens}>
          {(list) =>
            list.length === 0 ? (
              <Empty>{t('agents.noTokens')}</Empty>
            ) : (
              <div className="table-wrap">
                <table className="table compact">
                  <thead>
                    <tr>
                      <th scope="col">{t('agents.store')}</th>
                      <th scope="col">{t('agents.name')}</th>
                      <th scope="col">{t('agents.expires')}</th>
                      <th scope="col">{t('agents.tokenState')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((token) => (
                      <tr key={token.id}>
                        <td data-label={t('agents.store')}>
                          {stores.data?.find((s) => s.id === token.storeId)?.name ?? token.storeId}
                        </td>
                        <td data-label={t('agents.name')}>{token.name ?? '—'}</td>
                        <td data-label={t('agents.expires')}>{fmt.dateTime(token.expiresAt)}</td>
                        <td data-label={t('agents.tokenState')}>
                          {token.usedAt ? (
                            <Badge tone="ok">
                              {t('agents.tokenUsed', { at: fmt.dateTime(token.usedAt) })}
                            </Badge>
                          ) : new Date(token.expiresAt).getTime() < now ? (
                            <Badge tone="muted">{t('agents.tokenExpired')}</Badge>
                          ) : (
                            <Badge tone="info">{t('agents.tokenWaiting')}</Badge>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </Loaded>
      </Section>
      <ConfirmAction
        target={disabling}
        title={t('agents.disable')}
        confirmLabel={t('agents.disable')}
        message={(agent) => t('agents.disableConfirm', { name: agent.name })}
        perform={(agent) => api.agents.disable(agent.id)}
        onDone={() => {
          setDisabling(null);
          agents.reload();
        }}
        onClose={() => setDisabling(null)}
      />
    </>
  );
}

function EnrollForm({ stores, onCreated }: { stores: StoreView[]; onCreated(): void }) {
  const { t, fmt } = useI18n();
  const session = useSession();
  const [storeId, setStoreId] = useState('');
  const [name, setName] = useState('');
  const [ttlHours, setTtlHours] = useState('24');
  const [created, setCreated] = useState<EnrollmentTokenCreated | null>(null);
  const save = useMutation();
  const store = storeId || stores[0]?.id || '';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const ttl = Number(ttlHours);
    const outcome = await save.run(() =>
      api.agents.createEnrollmentToken({
        storeId: store,
        ...(name.trim() ? { name: name.trim() } : {}),
        ttlHours: ttl,
      }),
    );
    if (outcome.ok) {
      setCreated(outcome.value);
      onCreated();
    }
  };

  return (
    <>
      <p className="muted">{t('agents.enrollHint')}</p>
      <form className="filters" onSubmit={(e) => void submit(e)}>
        <label className="field field-inline">
          <span>{t('agents.store')}</span>
          <select value={store} onChange={(e) => setStoreId(e.target.value)} required>
            {stores.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field field-inline">
          <span>{t('agents.pcName')}</span>
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder={t('agents.pcNamePlaceholder')}
          />
        </label>
        <label className="field field-inline">
          <span>{t('agents.ttl')}</span>
          <input
            type="number"
            min={1}
            max={720}
            required
            value={ttlHours}
            onChange={(e) => setTtlHours(e.target.value)}
          />
        </label>
        <button
          type="submit"
          className="btn btn-primary"
          disabled={!session.canChange || save.busy || !store}
          title={session.canChange ? undefined : t('role.viewerCannot')}
        >
          {t('agents.createToken')}
        </button>
      </form>
      <FormError error={save.error} />
      {created && (
        <div className="alert alert-ok secret" role="status" aria-live="polite">
          <p>
            <strong>{t('agents.runThis')}</strong>
          </p>
          <div className="secret-row">
            <code id="enroll-command" className="secret-value">
              {created.command}
            </code>
            <CopyButton text={created.command} targetId="enroll-command" />
          </div>
          <p className="muted small">{t('agents.tokenOnce', { at: fmt.dateTime(created.expiresAt) })}</p>
        </div>
      )}
    </>
  );
}
