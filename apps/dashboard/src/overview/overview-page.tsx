import { queryString } from '@kassa-relay/admin-api';
import { useMemo } from 'react';
import { api } from '../api/client';
import { useLiveEvent } from '../api/live';
import { mergeLiveState } from '../api/live-state';
import { useApi, useDebounced } from '../api/use-api';
import { useI18n } from '../i18n/i18n';
import { matchesState, presence, type StateFilter } from '../registers/register-health';
import { Link, useSearchParams } from '../router/router';
import { PageHeader } from '../ui/page';
import { Empty, Loaded } from '../ui/state-views';
import { useNow } from '../ui/use-now';
import { RegisterCard } from './register-card';

const STATE_FILTERS: StateFilter[] = ['', 'online', 'offline', 'shiftOpen', 'warning'];

/** Every register at a glance, updated live from the `/admin` feed. */
export function OverviewPage() {
  const { t, tx, fmt } = useI18n();
  const now = useNow(15_000);
  const [search, setSearch] = useSearchParams();
  const storeId = search.get('store') ?? '';
  const stateFilter = (search.get('state') ?? '') as StateFilter;
  const stores = useApi(api.stores.list());
  const registers = useApi(api.registers.list());

  // State and presence arrive complete in the event; totals and the last document need a refetch.
  useLiveEvent('register.state', ({ registerId, state }) =>
    registers.update((list) =>
      list?.map((r) => (r.id === registerId ? { ...r, state: mergeLiveState(r.state, state) } : r)),
    ),
  );
  useLiveEvent('agent.state', ({ agentId, online }) =>
    registers.update((list) => list?.map((r) => (r.agentId === agentId ? { ...r, agentOnline: online } : r))),
  );
  const refetch = useDebounced(registers.reload, 300);
  useLiveEvent('document.changed', refetch);
  useLiveEvent('shift.changed', refetch);

  const visible = useMemo(
    () =>
      (registers.data ?? []).filter(
        (r) => (!storeId || r.storeId === storeId) && matchesState(r, stateFilter, now),
      ),
    [registers.data, storeId, stateFilter, now],
  );

  const summary = useMemo(() => {
    const list = registers.data ?? [];
    const sales = new Map<string, number>();
    for (const r of list) sales.set(r.currency, (sales.get(r.currency) ?? 0) + r.today.salesSum);
    return {
      total: list.length,
      online: list.filter((r) => presence(r) === 'online').length,
      shiftOpen: list.filter((r) => r.state.shiftOpen).length,
      inDoubt: list.reduce((sum, r) => sum + (r.inDoubt ?? 0), 0),
      sales: [...sales.entries()],
    };
  }, [registers.data]);

  return (
    <>
      <PageHeader title={t('overview.title')}>
        <form
          className="filters"
          role="search"
          aria-label={t('filters.label')}
          onSubmit={(e) => e.preventDefault()}
        >
          <label className="field field-inline">
            <span>{t('filters.store')}</span>
            <select value={storeId} onChange={(e) => setSearch({ store: e.target.value })}>
              <option value="">{t('filters.allStores')}</option>
              {(stores.data ?? []).map((store) => (
                <option key={store.id} value={store.id}>
                  {store.name}
                </option>
              ))}
            </select>
          </label>
          <label className="field field-inline">
            <span>{t('filters.state')}</span>
            <select value={stateFilter} onChange={(e) => setSearch({ state: e.target.value })}>
              {STATE_FILTERS.map((value) => (
                <option key={value} value={value}>
                  {tx(`stateFilter.${value || 'all'}`, value)}
                </option>
              ))}
            </select>
          </label>
        </form>
      </PageHeader>
      {registers.data && (
        <dl className="summary" aria-label={t('overview.summary')}>
          <div>
            <dt>{t('overview.registers')}</dt>
            <dd>{summary.total}</dd>
          </div>
          <div>
            <dt>{t('overview.online')}</dt>
            <dd>
              {summary.online} / {summary.total}
            </dd>
          </div>
          <div>
            <dt>{t('overview.shiftsOpen')}</dt>
            <dd>{summary.shiftOpen}</dd>
          </div>
          <div className={summary.inDoubt > 0 ? 'summary-alert' : undefined} data-summary="inDoubt">
            <dt>{t('overview.inDoubt')}</dt>
            <dd>
              {summary.inDoubt > 0 ? (
                <Link href={`/documents${queryString({ status: 'inDoubt' })}`}>{summary.inDoubt}</Link>
              ) : (
                0
              )}
            </dd>
          </div>
          <div>
            <dt>{t('overview.salesToday')}</dt>
            <dd>
              {summary.sales.length === 0
                ? '—'
                : summary.sales.map(([currency, sum]) => (
                    <div key={currency}>{fmt.money(sum, currency)}</div>
                  ))}
            </dd>
          </div>
        </dl>
      )}
      <Loaded state={registers}>
        {(list) =>
          list.length === 0 ? (
            <Empty>
              <p>{t('overview.noRegisters')}</p>
              <p className="muted">{t('overview.noRegistersHint')}</p>
            </Empty>
          ) : visible.length === 0 ? (
            <Empty>
              <p>{t('overview.nothingMatches')}</p>
              <button type="button" className="btn" onClick={() => setSearch({ store: null, state: null })}>
                {t('filters.reset')}
              </button>
            </Empty>
          ) : (
            <ul className="register-grid" aria-label={t('overview.registers')}>
              {visible.map((register) => (
                <li key={register.id}>
                  <RegisterCard register={register} now={now} />
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </>
  );
}
