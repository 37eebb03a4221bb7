import type { ResolveAnswer } from '@kassa-relay/admin-api';
import { useState } from 'react';
import { api } from '../api/client';
import { useLiveEvent } from '../api/live';
import { useApi } from '../api/use-api';
import { useI18n } from '../i18n/i18n';
import { Link } from '../router/router';
import { DocumentStatusBadge, useDocumentLabel } from '../ui/badges';
import { DeviceErrorText } from '../ui/device-error';
import { PageHeader, Section } from '../ui/page';
import { Loaded } from '../ui/state-views';
import { DoubtSection, ResolutionSection, ResolveForm, ResolveOutcome } from './document-doubt';
import { QrCode } from './qr-code';
import { ReceiptImage } from './receipt-image';
import { taxesByRate } from './receipt-taxes';

const quantity = (thousandths: number, locale: string) =>
  new Intl.NumberFormat(locale, { maximumFractionDigits: 3 }).format(thousandths / 1000);
const percent = (thousandths: number) => `${thousandths / 1000}%`;

/** One fiscal document: a receipt with its lines, taxes, payments and QR, or a report/operation. */
export function DocumentPage({ id }: { id: string }) {
  const { t, tx, fmt, lang } = useI18n();
  const label = useDocumentLabel();
  const document = useApi(api.documents.get(id));
  useLiveEvent('document.changed', ({ documentId }) => documentId === id && document.reload());
  const [resolved, setResolved] = useState<ResolveAnswer | null>(null);
  const locale = lang === 'ru' ? 'ru-RU' : 'en-GB';

  return (
    <Loaded state={document}>
      {(d) => {
        const money = (minor: number | null | undefined) => fmt.money(minor, d.currency);
        const items = d.items ?? [];
        const taxes = taxesByRate(items);
        return (
          <>
            <PageHeader title={label(d.kind, d.operation)}>
              <DocumentStatusBadge status={d.status} />
            </PageHeader>
            {d.error && d.status !== 'inDoubt' && (
              <p className="alert alert-error" role="alert">
                <DeviceErrorText error={d.error} />
              </p>
            )}
            {d.status === 'pending' && <p className="alert alert-info">{t('document.pendingNote')}</p>}
            {d.status === 'inDoubt' && (
              <p className="alert alert-warn" role="status">
                {t('document.inDoubtNote')}
              </p>
            )}
            {resolved && resolved.id === d.id && <ResolveOutcome answer={resolved} />}
            <div className="columns">
              <Section title={t('document.details')} id="doc-details">
                <dl className="details">
                  <dt>{t('document.register')}</dt>
                  <dd>
                    <Link href={`/registers/${d.registerId}`}>{d.registerName}</Link> · {d.storeName}
                  </dd>
                  <dt>{t('document.fiscalId')}</dt>
                  <dd className="mono" data-field="fiscalId">
                    {d.fiscalId ?? '—'}
                  </dd>
                  <dt>{t('document.checkNumber')}</dt>
                  <dd>{d.checkNumber ?? '—'}</dd>
                  <dt>{t('document.documentNumber')}</dt>
                  <dd>{d.documentNumber ?? '—'}</dd>
                  <dt>{t('shift.number')}</dt>
                  <dd>{d.shiftNumber ?? '—'}</dd>
                  <dt>{t('document.requestedAt')}</dt>
                  <dd>{fmt.dateTime(d.requestedAt)}</dd>
                  <dt>{t('document.completedAt')}</dt>
                  <dd>
                    {fmt.dateTime(d.completedAt)}
                    {d.deviceMs !== null && (
                      <span className="muted small"> ({t('document.deviceMs', { ms: d.deviceMs })})</span>
                    )}
                  </dd>
                  <dt>{t('document.origin')}</dt>
                  <dd>
                    {tx(`origin.${d.originChannel}`, d.originChannel)}
                    {d.originActor && ` · ${d.originActor}`}
                  </dd>
                  <dt>{t('document.total')}</dt>
                  <dd className="total">{money(d.total)}</dd>
                </dl>
              </Section>
              {d.qrPayload && (
                <Section title={t('document.qr')} id="doc-qr">
                  <QrCode payload={d.qrPayload} label={t('document.qrAlt', { fiscalId: d.fiscalId ?? '' })} />
                  <p className="mono small break">{d.qrPayload}</p>
                </Section>
              )}
            </div>
            <DoubtSection document={d} />
            <ResolutionSection document={d} />
            {d.status === 'inDoubt' && (
              <ResolveForm
                document={d}
                onResolved={(answer) => {
                  setResolved(answer);
                  document.update(() => answer);
                }}
              />
            )}
            {items.length > 0 && (
              <Section title={t('document.items')} id="doc-items">
                <div className="table-wrap">
                  <table className="table">
                    <thead>
                      <tr>
                        <th scope="col">{t('document.itemName')}</th>
                        <th scope="col" className="num">
                          {t('document.quantity')}
                        </th>
                        <th scope="col" className="num">
                          {t('document.price')}
                        </th>
                        <th scope="col" className="num">
                          {t('document.discount')}
                        </th>
                        <th scope="col">{t('document.tax')}</th>
                        <th scope="col" className="num">
                          {t('document.sum')}
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {items.map((item, index) => (
                        <tr key={index}>
                          <td data-label={t('document.itemName')}>
                            {item.name}
                            {item.code && <div className="muted small">{item.code}</div>}
                          </td>
                          <td data-label={t('document.quantity')} className="num">
                            {quantity(item.quantity, locale)}
                          </td>
                          <td data-label={t('document.price')} className="num">
                            {money(item.price)}
                          </td>
                          <td data-label={t('document.discount')} className="num">
                            {item.discount ? `−${money(item.discount)}` : ''}
                            {item.markup ? `+${money(item.markup)}` : ''}
                          </td>
                          <td data-label={t('document.tax')}>
                            {(item.taxes ?? []).map((tax) => tax.name ?? percent(tax.rate)).join(', ') ||
                              t('document.noTax')}
                          </td>
                          <td data-label={t('document.sum')} className="num">
                            {money(item.sum - (item.discount ?? 0) + (item.markup ?? 0))}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </Section>
            )}
            {(taxes.length > 0 || (d.payments ?? []).length > 0) && (
              <div className="columns">
                {taxes.length > 0 && (
                  <Section title={t('document.taxes')} id="doc-taxes">
                    <dl className="details">
                      {taxes.map((tax) => (
                        <div key={tax.rate} className="pair">
                          <dt>
                            {tax.name ?? t('document.vat')} {percent(tax.rate)}
                          </dt>
                          <dd>{money(tax.amount)}</dd>
                        </div>
                      ))}
                    </dl>
                  </Section>
                )}
                {(d.payments ?? []).length > 0 && (
                  <Section title={t('document.payments')} id="doc-payments">
                    <dl className="details">
                      {(d.payments ?? []).map((payment, index) => (
                        <div key={index} className="pair">
                          <dt>{tx(`payment.${payment.kind}`, payment.kind)}</dt>
                          <dd>{money(payment.amount)}</dd>
                        </div>
                      ))}
                      {d.change !== null && d.change > 0 && (
                        <div className="pair">
                          <dt>{t('document.change')}</dt>
                          <dd>{money(d.change)}</dd>
                        </div>
                      )}
                    </dl>
                  </Section>
                )}
              </div>
            )}
            {d.deviceAnswer?.counters && (
              <Section title={t('shift.zReport')} id="doc-counters">
                <CountersList counters={d.deviceAnswer.counters} currency={d.currency} />
              </Section>
            )}
            {d.kind === 'receipt' && d.status === 'done' && (
              <Section title={t('document.image')} id="doc-image">
                <ReceiptImage documentId={d.id} />
              </Section>
            )}
            {d.deviceAnswer !== null && d.deviceAnswer !== undefined && (
              <details className="raw">
                <summary>{t('document.deviceAnswer')}</summary>
                <pre>{JSON.stringify(d.deviceAnswer, null, 2)}</pre>
              </details>
            )}
          </>
        );
      }}
    </Loaded>
  );
}

// The order a Z report is read in: what was sold and returned, what moved in the drawer, then the
// adjustments and the grand totals.
const COUNTER_ORDER = [
  'countSales',
  'sumSales',
  'countReturns',
  'sumReturns',
  'countInsert',
  'sumInsert',
  'countRemove',
  'sumRemove',
  'cashBalance',
  'discountSumSales',
  'markupSumSales',
  'discountSumReturns',
  'markupSumReturns',
  'sumCanceled',
  'progressiveTotalSales',
  'progressiveTotalReturns',
];
const counterRank = (name: string) => {
  const rank = COUNTER_ORDER.indexOf(name);
  return rank === -1 ? COUNTER_ORDER.length : rank;
};

const MONEY_COUNTERS = new Set([
  'cashBalance',
  'sumSales',
  'sumReturns',
  'sumInsert',
  'sumRemove',
  'sumCanceled',
  'discountSumSales',
  'markupSumSales',
  'discountSumReturns',
  'markupSumReturns',
  'progressiveTotalSales',
  'progressiveTotalReturns',
]);

/** Shift counters (X/Z report) labelled in the user's language. */
export function CountersList({
  counters,
  currency,
}: {
  /** A Z report's optional counters are absent when the register did not give them. */
  counters: Readonly<Record<string, number | undefined>>;
  currency: string;
}) {
  const { tx, fmt } = useI18n();
  return (
    <dl className="details counters">
      {Object.entries(counters)
        .filter((entry): entry is [string, number] => entry[1] !== undefined)
        .sort(([a], [b]) => counterRank(a) - counterRank(b))
        .map(([name, value]) => (
          <div key={name} className="pair">
            <dt>{tx(`counter.${name}`, name)}</dt>
            <dd>{MONEY_COUNTERS.has(name) ? fmt.money(value, currency) : fmt.number(value)}</dd>
          </div>
        ))}
    </dl>
  );
}
