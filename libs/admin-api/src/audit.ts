import { z } from 'zod';
import { id, isoDateTime, pageOf, pageQuery, route } from './contract';

/** One change made through the admin API: who, what, on which row. */
export const auditEntry = z.object({
  id,
  at: isoDateTime,
  /** The admin's e-mail. */
  actor: z.string(),
  /** `register.update`, `document.resolve`, … */
  action: z.string(),
  /** The id of the changed row, when there is one. */
  target: z.string().nullable(),
  /** What changed, as the action wrote it (JSON). */
  details: z.unknown(),
});
export type AuditEntry = z.input<typeof auditEntry>;

export const auditPage = pageOf(auditEntry);

export const auditRoutes = {
  list: route({
    method: 'GET',
    path: '/api/audit',
    tag: 'audit',
    summary: 'Who changed what, newest first; keyset pages (cursor = nextCursor)',
    query: pageQuery,
    response: auditPage,
  }),
};
