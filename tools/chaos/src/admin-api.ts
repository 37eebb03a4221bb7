import type { DocumentView, listDocumentsQuery, Wire } from '@kassa-relay/admin-api';
import type { AdminApi } from '@kassa-relay/testing';

export type DocumentFilter = Omit<Partial<Wire<typeof listDocumentsQuery>>, 'limit' | 'cursor'>;

/** Every document matching `filter` (all pages, newest first). */
export async function allDocuments(admin: AdminApi, filter: DocumentFilter): Promise<DocumentView[]> {
  const out: DocumentView[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page += 1) {
    const answer = await admin.api.documents.list({ ...filter, limit: 200, ...(cursor ? { cursor } : {}) });
    out.push(...answer.items);
    if (!answer.nextCursor) break;
    cursor = answer.nextCursor;
  }
  return out;
}
