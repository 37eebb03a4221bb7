import { useState } from 'react';
import { api } from '../api/client';
import { useApi } from '../api/use-api';
import { useI18n } from '../i18n/i18n';
import { PageHeader } from '../ui/page';
import { Empty, Loaded } from '../ui/state-views';

const PAGE_SIZE = 50;

function detailsText(details: unknown): string {
  if (details === null || details === undefined) return '';
  if (typeof details === 'string') return details;
  return Object.entries(details as Record<string, unknown>)
    .map(([name, value]) => `${name}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(', ');
}

/** Who did what, when: newest first, keyset-paginated like the documents. */
export function AuditPage() {
  const { t, tx, fmt } = useI18n();
  const [cursors, setCursors] = useState<string[]>([]);
  const page = useApi(api.audit.list({ limit: PAGE_SIZE, cursor: cursors.at(-1) }));
  return (
    <>
      <PageHeader title={t('audit.title')}>
        <button
          type="button"
          className="btn"
          onClick={() => (cursors.length ? setCursors([]) : page.reload())}
        >
          {t('action.refresh')}
        </button>
      </PageHeader>
      <Loaded state={page}>
        {(data) =>
          data.items.length === 0 ? (
            <Empty>{t('audit.none')}</Empty>
          ) : (
            <>
              <div className="table-wrap">
                <table className="table audit-table">
                  <thead>
                    <tr>
                      <th scope="col">{t('audit.at')}</th>
                      <th scope="col">{t('audit.actor')}</th>
                      <th scope="col">{t('audit.action')}</th>
                      <th scope="col">{t('audit.target')}</th>
                      <th scope="col">{t('audit.details')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.items.map((entry) => (
                      <tr key={entry.id}>
                        <td data-label={t('audit.at')}>
                          <time dateTime={entry.at}>{fmt.dateTime(entry.at)}</time>
                        </td>
                        <td data-label={t('audit.actor')}>{entry.actor}</td>
                        <td data-label={t('audit.action')}>
                          {tx(`auditAction.${entry.action}`, entry.action)}
                          <div className="muted small mono">{entry.action}</div>
                        </td>
                        <td data-label={t('audit.target')} className="mono small">
                          {entry.target ?? '—'}
                        </td>
                        <td data-label={t('audit.details')} className="small break">
                          {detailsText(entry.details)}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <nav className="pager" aria-label={t('pager.label')}>
                <button
                  type="button"
                  className="btn"
                  disabled={cursors.length === 0}
                  onClick={() => setCursors((c) => c.slice(0, -1))}
                >
                  ← {t('pager.previous')}
                </button>
                <span>{t('pager.page', { page: cursors.length + 1 })}</span>
                <button
                  type="button"
                  className="btn"
                  disabled={!data.nextCursor}
                  onClick={() => data.nextCursor && setCursors((c) => [...c, data.nextCursor!])}
                >
                  {t('pager.next')} →
                </button>
              </nav>
            </>
          )
        }
      </Loaded>
    </>
  );
}
