import type { DocumentView } from '@kassa-relay/admin-api';
import { useI18n } from '../i18n/i18n';
import { Link } from '../router/router';
import { DocumentStatusBadge, useDocumentLabel } from '../ui/badges';

/** Documents as a table on a laptop; the same rows stack into cards on a phone (CSS). */
export function DocumentsTable({
  documents,
  showRegister = true,
}: {
  documents: DocumentView[];
  showRegister?: boolean;
}) {
  const { t, fmt } = useI18n();
  const label = useDocumentLabel();
  return (
    <div className="table-wrap">
      <table className="table documents-table">
        <thead>
          <tr>
            <th scope="col">{t('document.time')}</th>
            {showRegister && <th scope="col">{t('document.register')}</th>}
            <th scope="col">{t('document.kind')}</th>
            <th scope="col">{t('document.status')}</th>
            <th scope="col" className="num">
              {t('document.total')}
            </th>
            <th scope="col">{t('document.fiscalId')}</th>
            <th scope="col">{t('document.checkNumber')}</th>
          </tr>
        </thead>
        <tbody>
          {documents.map((d) => (
            <tr key={d.id} data-document-id={d.id}>
              <td data-label={t('document.time')}>
                <Link href={`/documents/${d.id}`}>
                  <time dateTime={d.requestedAt}>{fmt.dateTime(d.requestedAt)}</time>
                </Link>
              </td>
              {showRegister && (
                <td data-label={t('document.register')}>
                  {d.registerName}
                  <div className="muted small">{d.storeName}</div>
                </td>
              )}
              <td data-label={t('document.kind')}>{label(d.kind, d.operation)}</td>
              <td data-label={t('document.status')}>
                <DocumentStatusBadge status={d.status} />
              </td>
              <td data-label={t('document.total')} className="num">
                {d.total === null ? '—' : fmt.money(d.total, d.currency)}
              </td>
              <td data-label={t('document.fiscalId')} className="mono">
                {d.fiscalId ?? '—'}
              </td>
              <td data-label={t('document.checkNumber')}>{d.checkNumber ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
