import { z } from 'zod';
import { id, isoDateTime, route } from './contract';
import { timeZoneSchema } from './time';

export const reportPeriod = z.enum(['day', 'month']);

export const salesReportQuery = z
  .object({
    period: reportPeriod,
    date: z.string().describe('day: YYYY-MM-DD; month: YYYY-MM'),
    storeId: id.optional(),
    registerId: id.optional(),
    tz: timeZoneSchema
      .optional()
      .describe("IANA time zone of the buckets; default: the store's (storeId / registerId), else UTC"),
  })
  .superRefine((query, context) => {
    const pattern = query.period === 'day' ? /^\d{4}-\d{2}-\d{2}$/ : /^\d{4}-\d{2}$/;
    const [year, month, day] = query.date.split('-').map(Number);
    const valid =
      pattern.test(query.date) &&
      month! >= 1 &&
      month! <= 12 &&
      (day === undefined || (day >= 1 && day <= new Date(Date.UTC(year!, month!, 0)).getUTCDate()));
    if (!valid)
      context.addIssue({
        code: 'custom',
        path: ['date'],
        message: query.period === 'day' ? 'a day is YYYY-MM-DD' : 'a month is YYYY-MM',
      });
  });

/** One local hour of a day or one local day of a month; sums in minor units. */
export const salesBucket = z.object({
  /** The bucket's local start, as an instant. */
  start: isoDateTime,
  salesSum: z.number().int(),
  salesCount: z.number().int(),
  returnsSum: z.number().int(),
  returnsCount: z.number().int(),
});
export type SalesBucket = z.input<typeof salesBucket>;

/** Done sales and returns by completion time: 24 hourly buckets of a day, or the days of a month. */
export const salesReport = z.object({
  period: reportPeriod,
  /** The IANA zone the buckets are cut in. */
  timezone: z.string(),
  buckets: z.array(salesBucket),
});
export type SalesReport = z.input<typeof salesReport>;

export const reportRoutes = {
  sales: route({
    method: 'GET',
    path: '/api/reports/sales',
    tag: 'reports',
    summary: 'Sales and returns in 24 hourly buckets of a day or one bucket per day of a month',
    query: salesReportQuery,
    response: salesReport,
  }),
};
