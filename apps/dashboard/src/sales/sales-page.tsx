import { useMemo } from 'react';
import { api } from '../api/client';
import { useLiveEvent } from '../api/live';
import { useApi, useDebounced } from '../api/use-api';
import { localToday } from '../documents/local-day';
import { useI18n } from '../i18n/i18n';
import { useSearchParams } from '../router/router';
import { PageHeader } from '../ui/page';
import { Empty, Loaded } from '../ui/state-views';
import { type Bar, BarChart } from './bar-chart';

const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** Sales per hour of a day or per day of a month, for the whole organisation, a store or a register. */
export function SalesPage() {
  const { t, lang, fmt } = useI18n();
  const [search, setSearch] = useSearchParams();
  const period = search.get('period') === 'month' ? 'month' : 'day';
  const today = localToday();
  const date = search.get('date') ?? (period === 'day' ? today : today.slice(0, 7));
  const storeId = search.get('storeId') ?? '';
  const registerId = search.get('registerId') ?? '';
  const stores = useApi(api.stores.list());
  const registers = useApi(api.registers.list());
  const report = useApi(api.reports.sales({ period, date, storeId, registerId, tz: browserZone() }));
  const refresh = useDebounced(report.reload, 1000);
  useLiveEvent(
    'document.changed',
    ({ kind, status }) => kind === 'receipt' && status === 'done' && refresh(),
  );

  const scope = (registers.data ?? []).filter(
    (r) => (!registerId || r.id === registerId) && (!storeId || r.storeId === storeId),
  );
  const currencies = [...new Set(scope.map((r) => r.currency))];
  const currency = currencies.length === 1 ? currencies[0]! : null;
  const locale = lang === 'ru' ? 'ru-RU' : 'en-GB';

  const bars = useMemo<Bar[]>(() => {
    // Buckets are labelled in the zone the cloud cut them in (the browser's, unless it fell back).
    const timeZone = report.data?.timezone;
    const hour = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', timeZone });
    const day = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', timeZone });
    const hourOfDay = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', hourCycle: 'h23', timeZone });
    const dayOfMonth = new Intl.DateTimeFormat('en-GB', { day: 'numeric', timeZone });
    return (report.data?.buckets ?? []).map((bucket) => {
      const start = new Date(bucket.start);
      return {
        label: period === 'day' ? hourOfDay.format(start) : dayOfMonth.format(start),
        title: period === 'day' ? hour.format(start) : day.format(start),
        sales: bucket.salesSum,
        returns: bucket.returnsSum,
      };
    });
  }, [report.data, period, locale]);
  const totals = (report.data?.buckets ?? []).reduce(
    (sum, b) => ({
      sales: sum.sales + b.salesSum,
      salesCount: sum.salesCount + b.salesCount,
      returns: sum.returns + b.returnsSum,
      returnsCount: sum.returnsCount + b.returnsCount,
    }),
    { sales: 0, salesCount: 0, returns: 0, returnsCount: 0 },
  );

  return (
    <>
      <PageHeader title={t('sales.title')} />
      <form
        className="filters"
        role="search"
        aria-label={t('filters.label')}
        onSubmit={(e) => e.preventDefault()}
      >
        <div className="segmented" role="group" aria-label={t('sales.period')}>
          {(['day', 'month'] as const).map((value) => (
            <button
              key={value}
              type="button"
              className={period === value ? 'btn active' : 'btn'}
              aria-pressed={period === value}
              onClick={() => setSearch({ period: value, date: value === 'day' ? today : today.slice(0, 7) })}
            >
              {t(value === 'day' ? 'sales.byHour' : 'sales.byDay')}
            </button>
          ))}
        </div>
        <label className="field field-inline">
          <span>{t(period === 'day' ? 'sales.day' : 'sales.month')}</span>
          <input
            type={period === 'day' ? 'date' : 'month'}
            value={date}
            required
            onChange={(e) => e.target.value && setSearch({ date: e.target.value })}
          />
        </label>
        <label className="field field-inline">
          <span>{t('filters.store')}</span>
          <select value={storeId} onChange={(e) => setSearch({ storeId: e.target.value, registerId: null })}>
            <option value="">{t('filters.allStores')}</option>
            {(stores.data ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field field-inline">
          <span>{t('filters.register')}</span>
          <select value={registerId} onChange={(e) => setSearch({ registerId: e.target.value })}>
            <option value="">{t('filters.allRegisters')}</option>
            {(registers.data ?? [])
              .filter((r) => !storeId || r.storeId === storeId)
              .map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
          </select>
        </label>
      </form>
      <Loaded state={report}>
        {() =>
          bars.length === 0 ? (
            <Empty>{t('sales.none')}</Empty>
          ) : (
            <>
              <dl className="summary">
                <div>
                  <dt>{t('sales.sales')}</dt>
                  <dd>
                    {fmt.money(totals.sales, currency)}{' '}
                    <span className="muted small">({totals.salesCount})</span>
                  </dd>
                </div>
                <div>
                  <dt>{t('sales.returns')}</dt>
                  <dd>
                    {fmt.money(totals.returns, currency)}{' '}
                    <span className="muted small">({totals.returnsCount})</span>
                  </dd>
                </div>
                <div>
                  <dt>{t('sales.net')}</dt>
                  <dd>{fmt.money(totals.sales - totals.returns, currency)}</dd>
                </div>
              </dl>
              {currencies.length > 1 && <p className="alert alert-warn">{t('sales.mixedCurrencies')}</p>}
              <BarChart
                bars={bars}
                currency={currency}
                caption={t(period === 'day' ? 'sales.byHour' : 'sales.byDay')}
              />
              <details className="raw">
                <summary>{t('sales.asTable')}</summary>
                <div className="table-wrap">
                  <table className="table compact">
                    <thead>
                      <tr>
                        <th scope="col">{t(period === 'day' ? 'sales.hour' : 'sales.day')}</th>
                        <th scope="col" className="num">
                          {t('sales.sales')}
                        </th>
                        <th scope="col" className="num">
                          {t('sales.returns')}
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {bars.map((bar, i) => (
                        <tr key={i}>
                          <th scope="row">{bar.title}</th>
                          <td className="num">{fmt.money(bar.sales, currency)}</td>
                          <td className="num">{fmt.money(bar.returns, currency)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </details>
            </>
          )
        }
      </Loaded>
    </>
  );
}
