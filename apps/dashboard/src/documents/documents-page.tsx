import type { documentPage, RegisterView, StoreView, Wire } from '@kassa-relay/admin-api';
import { type FormEvent, useMemo, useState } from 'react';
import { api } from '../api/client';
import { useLiveEvent } from '../api/live';
import { useApi, useDebounced } from '../api/use-api';
import { useI18n } from '../i18n/i18n';
import { useSearchParams } from '../router/router';
import { parseMoney } from '../ui/money-input';
import { PageHeader } from '../ui/page';
import { Empty, Loaded } from '../ui/state-views';
import { DocumentsTable } from './documents-table';
import { dayEnd, dayStart } from './local-day';

const PAGE_SIZE = 50;
const KINDS = [
  'receipt',
  'report.x',
  'shift.open',
  'shift.close',
  'cash.in',
  'cash.out',
  'payment.cancel',
  'receipt.reprint',
  'command.resolve',
];
const OPERATIONS = ['sale', 'saleReturn', 'buy', 'buyReturn'];
const STATUSES = ['done', 'pending', 'inDoubt', 'failed'];
const FILTERS = [
  'storeId',
  'registerId',
  'from',
  'to',
  'kind',
  'operation',
  'status',
  'fiscalId',
  'amountMin',
  'amountMax',
];

/** The search over every fiscal document, page by page with the API's keyset cursor. */
export function DocumentsPage() {
  const { t } = useI18n();
  const [search, setSearch] = useSearchParams();
  const stores = useApi(api.stores.list());
  const registers = useApi(api.registers.list());
  const applied = Object.fromEntries(FILTERS.map((name) => [name, search.get(name) ?? '']));
  const filterKey = FILTERS.map((name) => applied[name]).join('|');

  const apply = (values: Record<string, string>) =>
    setSearch(Object.fromEntries(FILTERS.map((name) => [name, values[name] || null])));

  return (
    <>
      <PageHeader title={t('documents.title')} />
      <DocumentFilters
        key={filterKey}
        initial={applied}
        stores={stores.data ?? []}
        registers={registers.data ?? []}
        onApply={apply}
      />
      <DocumentPages key={`pages-${filterKey}`} filters={applied} />
    </>
  );
}

function DocumentFilters({
  initial,
  stores,
  registers,
  onApply,
}: {
  initial: Record<string, string>;
  stores: StoreView[];
  registers: RegisterView[];
  onApply(values: Record<string, string>): void;
}) {
  const { t, tx } = useI18n();
  const [values, setValues] = useState(initial);
  const set = (name: string) => (event: { target: { value: string } }) =>
    setValues((v) => ({ ...v, [name]: event.target.value }));
  const amountError = ['amountMin', 'amountMax'].some(
    (name) => values[name] && parseMoney(values[name]!) === null,
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!amountError) onApply(values);
  };
  const storeRegisters = registers.filter((r) => !values.storeId || r.storeId === values.storeId);
  return (
    <form className="filters filters-grid" role="search" aria-label={t('filters.label')} onSubmit={submit}>
      <label className="field">
        <span>{t('filters.store')}</span>
        <select value={values.storeId} onChange={set('storeId')}>
          <option value="">{t('filters.allStores')}</option>
          {stores.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('filters.register')}</span>
        <select value={values.registerId} onChange={set('registerId')}>
          <option value="">{t('filters.allRegisters')}</option>
          {storeRegisters.map((r) => (
            <option key={r.id} value={r.id}>
              {r.name}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('filters.from')}</span>
        <input type="date" value={values.from} onChange={set('from')} />
      </label>
      <label className="field">
        <span>{t('filters.to')}</span>
        <input type="date" value={values.to} onChange={set('to')} />
      </label>
      <label className="field">
        <span>{t('filters.kind')}</span>
        <select value={values.kind} onChange={set('kind')}>
          <option value="">{t('filters.any')}</option>
          {KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {tx(`kind.${kind}`, kind)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('filters.operation')}</span>
        <select value={values.operation} onChange={set('operation')}>
          <option value="">{t('filters.any')}</option>
          {OPERATIONS.map((operation) => (
            <option key={operation} value={operation}>
              {tx(`operation.${operation}`, operation)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('filters.status')}</span>
        <select value={values.status} onChange={set('status')}>
          <option value="">{t('filters.any')}</option>
          {STATUSES.map((status) => (
            <option key={status} value={status}>
              {tx(`docStatus.${status}`, status)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('filters.fiscalId')}</span>
        <input value={values.fiscalId} onChange={set('fiscalId')} autoComplete="off" />
      </label>
      <label className="field">
        <span>{t('filters.amountMin')}</span>
        <input inputMode="decimal" value={values.amountMin} onChange={set('amountMin')} autoComplete="off" />
      </label>
      <label className="field">
        <span>{t('filters.amountMax')}</span>
        <input inputMode="decimal" value={values.amountMax} onChange={set('amountMax')} autoComplete="off" />
      </label>
      <div className="filter-buttons">
        <button type="submit" className="btn btn-primary">
          {t('filters.search')}
        </button>
        <button
          type="button"
          className="btn"
          onClick={() => onApply(Object.fromEntries(FILTERS.map((name) => [name, ''])))}
        >
          {t('filters.reset')}
        </button>
      </div>
      {amountError && (
        <p className="field-error" role="alert">
          {t('command.amountInvalid')}
        </p>
      )}
    </form>
  );
}

/**
 * One page at a time: the API's `nextCursor` leads forward and a stack of the cursors already
 * used leads back, so page 2,000 of 100,000 documents costs the same as page 1.
 */
function DocumentPages({ filters }: { filters: Record<string, string> }) {
  const { t } = useI18n();
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1) ?? null;
  // A filter left empty ('') is left out of the query string.
  const call = useMemo(
    () =>
      api.documents.list({
        storeId: filters.storeId,
        registerId: filters.registerId,
        from: filters.from ? dayStart(filters.from) : undefined,
        to: filters.to ? dayEnd(filters.to) : undefined,
        kind: filters.kind,
        operation: filters.operation,
        status: filters.status,
        fiscalId: filters.fiscalId?.trim(),
        amountMin: filters.amountMin ? (parseMoney(filters.amountMin) ?? undefined) : undefined,
        amountMax: filters.amountMax ? (parseMoney(filters.amountMax) ?? undefined) : undefined,
        limit: PAGE_SIZE,
        cursor: cursor ?? undefined,
      }),
    [filters, cursor],
  );
  const page = useApi(call);
  // New documents appear on the first page by themselves; deeper pages stay put while reading.
  const refresh = useDebounced(page.reload, 400);
  useLiveEvent('document.changed', () => cursor === null && refresh());

  const pager = (data: Wire<typeof documentPage>) => (
    <nav className="pager" aria-label={t('pager.label')}>
      <button
        type="button"
        className="btn"
        disabled={cursors.length === 0}
        onClick={() => setCursors((c) => c.slice(0, -1))}
      >
        ← {t('pager.previous')}
      </button>
      <span aria-live="polite">{t('pager.page', { page: cursors.length + 1 })}</span>
      <button
        type="button"
        className="btn"
        disabled={!data.nextCursor}
        onClick={() => data.nextCursor && setCursors((c) => [...c, data.nextCursor!])}
      >
        {t('pager.next')} →
      </button>
    </nav>
  );

  return (
    <Loaded state={page}>
      {(data) =>
        data.items.length === 0 ? (
          <Empty>{cursors.length === 0 ? t('documents.none') : t('documents.noMore')}</Empty>
        ) : (
          <>
            <DocumentsTable documents={data.items} />
            {pager(data)}
          </>
        )
      }
    </Loaded>
  );
}
