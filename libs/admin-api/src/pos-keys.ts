import { z } from 'zod';
import { id, isoDateTime, route } from './contract';

export const createPosKeyBody = z.object({
  registerId: id,
  name: z.string().trim().min(1).max(100),
});

export const posKeysQuery = z.object({ registerId: id.optional() });

export const posKeyView = z.object({
  id,
  registerId: id,
  registerName: z.string(),
  name: z.string(),
  /** The visible start of the key, to tell keys apart. */
  prefix: z.string(),
  createdAt: isoDateTime,
  lastUsedAt: isoDateTime.nullable(),
  revokedAt: isoDateTime.nullable(),
});
export type PosKeyView = z.input<typeof posKeyView>;

/** The key itself is in this answer only: the cloud keeps its hash. */
export const posKeyCreated = posKeyView.extend({ key: z.string() });
export type PosKeyCreated = z.input<typeof posKeyCreated>;

export const posKeyRoutes = {
  list: route({
    method: 'GET',
    path: '/api/pos-keys',
    tag: 'pos-keys',
    summary: 'POS keys of the organisation (of one register with registerId), newest first',
    query: posKeysQuery,
    response: z.array(posKeyView),
  }),
  create: route({
    method: 'POST',
    path: '/api/pos-keys',
    tag: 'pos-keys',
    summary: 'Issue a POS key for one register; the key is shown only in this answer',
    adminOnly: true,
    body: createPosKeyBody,
    response: posKeyCreated,
  }),
  revoke: route({
    method: 'POST',
    path: '/api/pos-keys/:id/revoke',
    tag: 'pos-keys',
    summary: 'Revoke a POS key: it stops working at once and its connections close',
    adminOnly: true,
    response: posKeyView,
    status: 200,
  }),
};
