import { Injectable } from '@nestjs/common';
import type { Data, listShiftsQuery, shiftView } from '@kassa-relay/admin-api';
import type { Prisma } from '../../generated/prisma/client';
import { moneyOut } from '../../documents/money';
import { Database } from '../../platform/database';
import type { JwtClaims } from '../../security/secret-box';

type ShiftView = Data<typeof shiftView>;

const shiftInclude = { register: { select: { name: true, currency: true } } } as const;

function toView(row: Prisma.ShiftGetPayload<{ include: typeof shiftInclude }>): ShiftView {
  return {
    id: row.id,
    registerId: row.registerId,
    registerName: row.register.name,
    currency: row.register.currency,
    number: row.number,
    openedAt: row.openedAt,
    closedAt: row.closedAt,
    sumSales: moneyOut(row.sumSales),
    sumReturns: moneyOut(row.sumReturns),
    countSales: row.countSales,
    countReturns: row.countReturns,
    sumInsert: moneyOut(row.sumInsert),
    sumRemove: moneyOut(row.sumRemove),
    cashBalance: moneyOut(row.cashBalance),
    zReport: row.zReport as ShiftView['zReport'],
  };
}

/** Shifts as the ledger records them from results (open, X/Z reports, receipts), newest first. */
@Injectable()
export class ShiftsService {
  constructor(private readonly database: Database) {}

  async list(admin: JwtClaims, query: Data<typeof listShiftsQuery>): Promise<ShiftView[]> {
    const opened: Prisma.DateTimeNullableFilter = {
      ...(query.from ? { gte: query.from } : {}),
      ...(query.to ? { lt: query.to } : {}),
    };
    const rows = await this.database.prisma.shift.findMany({
      where: {
        register: {
          store: { organisationId: admin.org },
          ...(query.storeId ? { storeId: query.storeId } : {}),
        },
        ...(query.registerId ? { registerId: query.registerId } : {}),
        // A shift known only from its Z report has no opening time: its closing time places it.
        ...(query.from || query.to
          ? { OR: [{ openedAt: opened }, { openedAt: null, closedAt: opened }] }
          : {}),
      },
      include: shiftInclude,
      orderBy: [{ openedAt: { sort: 'desc', nulls: 'last' } }, { closedAt: 'desc' }, { number: 'desc' }],
      take: query.limit,
    });
    return rows.map(toView);
  }

  /** One register's shifts by number, newest first (the caller has checked the register). */
  async ofRegister(registerId: string, limit = 200): Promise<ShiftView[]> {
    const rows = await this.database.prisma.shift.findMany({
      where: { registerId },
      include: shiftInclude,
      orderBy: { number: 'desc' },
      take: limit,
    });
    return rows.map(toView);
  }
}
