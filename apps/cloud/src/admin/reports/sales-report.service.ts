import { Injectable } from '@nestjs/common';
import type { Data, salesReport, salesReportQuery } from '@kassa-relay/admin-api';
import { moneyOut } from '../../documents/money';
import { Prisma } from '../../generated/prisma/client';
import { Database } from '../../platform/database';
import type { JwtClaims } from '../../security/secret-box';

/**
 * Sales and returns (done fiscal receipts, by completion time) summed by PostgreSQL into the
 * local hours of a day or the local days of a month, in the requested time zone.
 */
@Injectable()
export class SalesReportService {
  constructor(private readonly database: Database) {}

  async sales(admin: JwtClaims, query: Data<typeof salesReportQuery>): Promise<Data<typeof salesReport>> {
    const prisma = this.database.prisma;
    const registers = await prisma.register.findMany({
      where: {
        store: { organisationId: admin.org },
        ...(query.storeId ? { storeId: query.storeId } : {}),
        ...(query.registerId ? { id: query.registerId } : {}),
      },
      select: { id: true, store: { select: { timezone: true } } },
    });
    const timezone =
      query.tz ?? (query.storeId || query.registerId ? registers[0]?.store.timezone : undefined) ?? 'UTC';
    const day = query.period === 'day';
    // Local wall-clock bounds; PostgreSQL turns them into instants in the zone (DST included).
    const start = day ? `${query.date} 00:00:00` : `${query.date}-01 00:00:00`;
    const step = day ? '1 hour' : '1 day';
    const span = day ? '1 day' : '1 month';
    const unit = day ? 'hour' : 'day';
    const ids = registers.map((register) => register.id);
    // No register matches: the same buckets, all zero (IN () is not SQL).
    const documents = ids.length
      ? Prisma.sql`
          SELECT date_trunc(${unit}, (d."completedAt" AT TIME ZONE 'UTC') AT TIME ZONE ${timezone}) AS local_start,
                 COALESCE(SUM(d.total) FILTER (WHERE d.operation = 'sale'), 0)::bigint AS sales_sum,
                 (COUNT(*) FILTER (WHERE d.operation = 'sale'))::int AS sales_count,
                 COALESCE(SUM(d.total) FILTER (WHERE d.operation = 'saleReturn'), 0)::bigint AS returns_sum,
                 (COUNT(*) FILTER (WHERE d.operation = 'saleReturn'))::int AS returns_count
          FROM "FiscalDocument" d, bounds b
          WHERE d."registerId" IN (${Prisma.join(ids)})
            AND d.status = 'done'
            AND d.operation IN ('sale', 'saleReturn')
            AND d."completedAt" >= b.utc_start AND d."completedAt" < b.utc_end
          GROUP BY 1`
      : Prisma.sql`SELECT NULL::timestamp AS local_start, 0::bigint AS sales_sum, 0 AS sales_count,
                          0::bigint AS returns_sum, 0 AS returns_count WHERE false`;
    const rows = await prisma.$queryRaw<
      { start: Date; sales_sum: bigint; sales_count: number; returns_sum: bigint; returns_count: number }[]
    >(Prisma.sql`
      WITH bounds AS (
        SELECT ((${start}::timestamp AT TIME ZONE ${timezone}) AT TIME ZONE 'UTC') AS utc_start,
               (((${start}::timestamp + ${span}::interval) AT TIME ZONE ${timezone}) AT TIME ZONE 'UTC') AS utc_end
      ),
      sums AS (${documents}),
      buckets AS (
        SELECT generate_series(${start}::timestamp, ${start}::timestamp + ${span}::interval - ${step}::interval, ${step}::interval) AS local_start
      )
      SELECT (k.local_start AT TIME ZONE ${timezone}) AS start,
             COALESCE(s.sales_sum, 0)::bigint AS sales_sum, COALESCE(s.sales_count, 0)::int AS sales_count,
             COALESCE(s.returns_sum, 0)::bigint AS returns_sum, COALESCE(s.returns_count, 0)::int AS returns_count
      FROM buckets k LEFT JOIN sums s ON s.local_start = k.local_start
      ORDER BY k.local_start`);
    return {
      period: query.period,
      timezone,
      buckets: rows.map((row) => ({
        start: row.start,
        salesSum: moneyOut(row.sales_sum),
        salesCount: row.sales_count,
        returnsSum: moneyOut(row.returns_sum),
        returnsCount: row.returns_count,
      })),
    };
  }
}
