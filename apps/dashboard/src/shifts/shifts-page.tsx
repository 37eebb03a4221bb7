import type { ShiftView } from '@kassa-relay/admin-api';
import { useEffect, useState } from 'react';
import { api, ApiError } from '../api/client';
import { useLiveEvent } from '../api/live';
import { useApi, useDebounced } from '../api/use-api';
import { CountersList } from '../documents/document-page';
import { useI18n } from '../i18n/i18n';
import { useSearchParams } from '../router/router';
import { Badge } from '../ui/badges';
import { LazyDetails } from '../ui/lazy-details';
import { PageHeader } from '../ui/page';
import { Empty, ErrorState, Loaded, Loading } from '../ui/state-views';
import { type Breakdown, shiftBreakdown } from './shift-breakdown';

/** Shifts and their Z reports, per register. */
export function ShiftsPage() {
  const { t } = useI18n();
  const [search, setSearch] = useSearchParams();
  const registers = useApi(api.registers.list());
  const registerId = search.get('registerId') ?? registers.data?.[0]?.id ?? '';
  const shifts = useApi(registerId ? api.shifts.list({ registerId }) : null);
  const refresh = useDebounced(shifts.reload, 300);
  useLiveEvent('shift.changed', (event) => event.registerId === registerId && refresh());

  return (
    <>
      <PageHeader title={t('shifts.title')}>
        <form
          className="filters"
          role="search"
          aria-label={t('filters.label')}
          onSubmit={(e) => e.preventDefault()}
        >
          <label className="field field-inline">
            <span>{t('filters.register')}</span>
            <select value={registerId} onChange={(e) => setSearch({ registerId: e.target.value })}>
              {(registers.data ?? []).map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name} · {r.storeName}
                </option>
              ))}
            </select>
          </label>
        </form>
      </PageHeader>
      <Loaded state={registers}>
        {(list) =>
          list.length === 0 ? (
            <Empty>{t('overview.noRegisters')}</Empty>
          ) : (
            <Loaded state={shifts}>
              {(rows) =>
                rows.length === 0 ? (
                  <Empty>{t('shifts.none')}</Empty>
                ) : (
                  <ul className="shift-list">
                    {rows.map((shift) => (
                      <li key={shift.id}>
                        <ShiftCard shift={shift} currency={shift.currency} />
                      </li>
                    ))}
                  </ul>
                )
              }
            </Loaded>
          )
        }
      </Loaded>
    </>
  );
}

function ShiftCard({ shift, currency }: { shift: ShiftView; currency: string }) {
  const { t, fmt } = useI18n();
  const money = (minor: number | null | undefined) => fmt.money(minor, currency);
  const duration =
    shift.openedAt && (shift.closedAt || Date.now())
      ? new Date(shift.closedAt ?? Date.now()).getTime() - new Date(shift.openedAt).getTime()
      : null;
  return (
    <article
      className="card shift-card"
      aria-labelledby={`shift-${shift.id}`}
      data-shift-number={shift.number}
    >
      <header className="card-head">
        <h2 id={`shift-${shift.id}`}>{t('shifts.shiftNumber', { number: shift.number })}</h2>
        {shift.closedAt ? (
          <Badge tone="muted">{t('shift.closed')}</Badge>
        ) : (
          <Badge tone="ok">{t('shift.open')}</Badge>
        )}
      </header>
      <p className="muted small">
        {shift.openedAt ? `${fmt.dateTime(shift.openedAt)} — ` : ''}
        {shift.closedAt ? t('shifts.closedAt', { at: fmt.dateTime(shift.closedAt) }) : t('shifts.stillOpen')}
        {duration !== null && ` (${fmt.duration(duration)})`}
      </p>
      <dl className="facts">
        <div>
          <dt>{t('shift.sales')}</dt>
          <dd>
            {money(shift.sumSales)} <span className="muted small">({shift.countSales})</span>
          </dd>
        </div>
        <div>
          <dt>{t('shift.returns')}</dt>
          <dd>
            {money(shift.sumReturns)} <span className="muted small">({shift.countReturns})</span>
          </dd>
        </div>
        <div>
          <dt>{t('shift.cashIn')}</dt>
          <dd>{money(shift.sumInsert)}</dd>
        </div>
        <div>
          <dt>{t('shift.cashOut')}</dt>
          <dd>{money(shift.sumRemove)}</dd>
        </div>
        <div>
          <dt>{t('register.cash')}</dt>
          <dd>{money(shift.cashBalance)}</dd>
        </div>
      </dl>
      {shift.zReport && (
        <details className="z-report">
          <summary>{t('shift.zReport')}</summary>
          <h3>{t('shifts.byOperation')}</h3>
          <CountersList counters={shift.zReport} currency={currency} />
        </details>
      )}
      <LazyDetails className="breakdown" summary={t('shifts.byPaymentAndTax')}>
        {() => <BreakdownView shift={shift} currency={currency} />}
      </LazyDetails>
    </article>
  );
}

function BreakdownView({ shift, currency }: { shift: ShiftView; currency: string }) {
  const { t, tx, fmt } = useI18n();
  const [state, setState] = useState<{ data?: Breakdown; error?: ApiError }>({});
  useEffect(() => {
    const controller = new AbortController();
    shiftBreakdown(shift, controller.signal).then(
      (data) => setState({ data }),
      (error: Error) =>
        error.name !== 'AbortError' &&
        setState({ error: error instanceof ApiError ? error : new ApiError(0, error.message) }),
    );
    return () => controller.abort();
    // Only when the shift itself changes, not on every refetch of the list around it.
  }, [shift.id, shift.closedAt]);
  if (state.error) return <ErrorState error={state.error} />;
  if (!state.data) return <Loading />;
  const { data } = state;
  if (data.receipts === 0) return <p className="muted">{t('shifts.noReceipts')}</p>;
  const operations = ['sale', 'saleReturn', 'buy', 'buyReturn'].filter((operation) =>
    [...data.payments.values(), ...data.taxes.values()].some((row) => row.has(operation)),
  );
  const table = <K,>(caption: string, rows: Map<K, Map<string, number>>, name: (key: K) => string) => (
    <div className="table-wrap">
      <table className="table compact">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col" />
            {operations.map((operation) => (
              <th key={operation} scope="col" className="num">
                {tx(`operation.${operation}`, operation)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {[...rows.entries()].map(([key, row]) => (
            <tr key={String(key)}>
              <th scope="row">{name(key)}</th>
              {operations.map((operation) => (
                <td key={operation} className="num">
                  {fmt.money(row.get(operation) ?? 0, currency)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
  return (
    <>
      <p className="muted small">
        {t('shifts.fromReceipts', { count: data.receipts })}
        {data.truncated && ` ${t('shifts.truncated')}`}
      </p>
      {table(t('shifts.byPayment'), data.payments, (kind) => tx(`payment.${kind}`, kind))}
      {data.taxes.size > 0 &&
        table(t('shifts.byTax'), data.taxes, (rate) => `${t('document.vat')} ${rate / 1000}%`)}
    </>
  );
}
