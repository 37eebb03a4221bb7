import type { DocumentDetails, DocumentView } from '@kassa-relay/admin-api';
import type { AdminApi } from '@kassa-relay/testing';

/** The documents the soak audits, as `GET /api/documents` shows them (the admin API contract). */
export type { DocumentView } from '@kassa-relay/admin-api';
export type DocumentDetail = DocumentDetails;

/** Every document matching `query` (all pages, newest first). */
export async function allDocuments(api: AdminApi, query: string): Promise<DocumentView[]> {
  const out: DocumentView[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page += 1) {
    const suffix: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const answer: { items: DocumentView[]; nextCursor: string | null } = await api.get(
      `/api/documents?limit=200&${query}${suffix}`,
    );
    out.push(...answer.items);
    if (!answer.nextCursor) break;
    cursor = answer.nextCursor;
  }
  return out;
}
