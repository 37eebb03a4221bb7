import { z } from 'zod';
import { shiftCountersSchema } from '@kassa-relay/protocol';
import { currency, id, isoDateTime, route } from './contract';
import { instantSchema } from './time';

export const listShiftsQuery = z.object({
  registerId: id.optional(),
  storeId: id.optional(),
  from: instantSchema.optional().describe('shifts opened at or after (ISO 8601)'),
  to: instantSchema.optional().describe('shifts opened before (ISO 8601)'),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

/** A shift as the ledger knows it from results; sums in minor units. */
export const shiftView = z.object({
  id,
  registerId: id,
  registerName: z.string(),
  currency,
  number: z.number().int(),
  /** Null for a shift known only from its Z report. */
  openedAt: isoDateTime.nullable(),
  closedAt: isoDateTime.nullable(),
  sumSales: z.number().int(),
  sumReturns: z.number().int(),
  countSales: z.number().int(),
  countReturns: z.number().int(),
  sumInsert: z.number().int(),
  sumRemove: z.number().int(),
  /** Null until a result with counters names it. */
  cashBalance: z.number().int().nullable(),
  /** The counters of the closing Z report; optional ones are absent when the register did not give them. */
  zReport: shiftCountersSchema.partial().nullable(),
});
export type ShiftView = z.input<typeof shiftView>;

export const shiftRoutes = {
  list: route({
    method: 'GET',
    path: '/api/shifts',
    tag: 'shifts',
    summary: 'Shifts of the organisation with their counters and Z reports, newest first',
    query: listShiftsQuery,
    response: z.array(shiftView),
  }),
};
