import { Injectable } from '@nestjs/common';
import type {
  Data,
  lastDocumentView,
  registerDetails,
  registerDeviceView,
  registerStateView,
  registerTodayView,
  registerView,
} from '@kassa-relay/admin-api';
import type { CanonicalError, DeviceWarning } from '@kassa-relay/protocol';
import { moneyOut } from '../../documents/money';
import { Prisma } from '../../generated/prisma/client';
import { Database } from '../../platform/database';
import { effectiveTaxTable, type StoredRegisterConfig, wireKind } from '../../registers/register-config';

export const registerInclude = {
  store: { select: { name: true, timezone: true } },
  // Presence as every cloud instance sees it (written by whichever instance heard the agent).
  agent: { select: { online: true } },
} as const satisfies Prisma.RegisterInclude;
export type RegisterRow = Prisma.RegisterGetPayload<{ include: typeof registerInclude }>;

export type RegisterState = Data<typeof registerStateView>;
export type RegisterToday = Data<typeof registerTodayView>;
export type LastDocument = Data<typeof lastDocumentView>;
export type RegisterView = Data<typeof registerView>;
export type RegisterDetails = Data<typeof registerDetails>;

/**
 * Documents that count as a register's "last document": those with a fiscal effect. Reads the cloud
 * itself sends (register.info on every agent connect, receipt images, operator lists) are left out.
 */
const LAST_DOCUMENT_KINDS = [
  'receipt',
  'shift.open',
  'shift.close',
  'shift.forceClose',
  'cash.in',
  'cash.out',
  'report.x',
  'payment.cancel',
];

const EMPTY_TODAY: RegisterToday = { salesSum: 0, salesCount: 0, returnsSum: 0, returnsCount: 0 };

/** `Register.warnings` as LiveState stores it. */
interface StoredWarnings {
  list?: DeviceWarning[];
  offlineSince?: string | null;
}

export function stateOf(row: Omit<RegisterRow, 'store' | 'agent'>): RegisterState {
  const warnings = (row.warnings ?? {}) as StoredWarnings;
  const error = row.lastError as CanonicalError | null;
  return {
    reachable: row.reachable,
    shiftOpen: row.shiftOpen,
    shiftNumber: row.shiftNumber,
    shiftOpenedAt: row.shiftOpenedAt,
    cashBalance: moneyOut(row.cashBalance),
    offlineQueue: row.offlineQueue,
    offlineSince: warnings.offlineSince ?? null,
    warnings: warnings.list ?? [],
    lastError: error
      ? {
          code: error.code,
          message: error.message,
          ...(error.device ? { device: { code: error.device.code, text: error.device.text } } : {}),
        }
      : null,
    updatedAt: row.stateUpdatedAt,
  };
}

/**
 * The device settings anyone signed in may see again: everything but the sealed secret (and a
 * password written into the device URL, `http://user:password@host`).
 */
export function deviceOf(row: Pick<RegisterRow, 'kind' | 'config'>): Data<typeof registerDeviceView> {
  const { secret: _secret, taxTable: _taxTable, ...visible } = row.config as unknown as StoredRegisterConfig;
  const url = withoutPassword(visible.url);
  return row.kind === 'cash_core'
    ? { ...visible, kind: 'cash-core', url, kkmOfdId: visible.kkmOfdId as number }
    : { ...visible, kind: 'ikkm', url };
}

export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/**
 * Register rows → `RegisterView`s: live state from the row, the agent's presence from the database,
 * today's sales and the last document from the ledger (one query each for the whole list).
 */
@Injectable()
export class RegisterViews {
  constructor(private readonly database: Database) {}

  agentOnline(row: Pick<RegisterRow, 'agent'>): boolean {
    return row.agent?.online ?? false;
  }

  async views(rows: RegisterRow[]): Promise<RegisterView[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((row) => row.id);
    const [today, last, inDoubt] = await Promise.all([
      this.today(ids),
      this.lastDocuments(ids),
      this.inDoubt(ids),
    ]);
    return rows.map((row) => ({
      id: row.id,
      storeId: row.storeId,
      storeName: row.store.name,
      agentId: row.agentId,
      agentOnline: this.agentOnline(row),
      kind: wireKind(row.kind),
      name: row.name,
      currency: row.currency,
      serialNumber: row.serialNumber,
      registrationNumber: row.registrationNumber,
      inn: row.inn,
      state: stateOf(row),
      today: today.get(row.id) ?? { ...EMPTY_TODAY },
      lastDocument: last.get(row.id) ?? null,
      inDoubt: inDoubt.get(row.id) ?? 0,
    }));
  }

  async details(row: RegisterRow): Promise<RegisterDetails> {
    const [view] = await this.views([row]);
    return {
      ...view!,
      device: deviceOf(row),
      // An empty stored table (a register made before defaults existed) is the default POS requests use.
      taxTable: effectiveTaxTable(
        (row.config as unknown as StoredRegisterConfig).taxTable,
        wireKind(row.kind),
        row.currency,
      ),
    };
  }

  /** Done sales and returns since midnight in each register's store time zone (an index range per register). */
  private async today(ids: string[]): Promise<Map<string, RegisterToday>> {
    const rows = await this.database.prisma.$queryRaw<
      { registerId: string; salesSum: bigint; salesCount: number; returnsSum: bigint; returnsCount: number }[]
    >(Prisma.sql`
      WITH since AS (
        SELECT r.id,
               ((date_trunc('day', now() AT TIME ZONE s.timezone) AT TIME ZONE s.timezone) AT TIME ZONE 'UTC') AS at
        FROM "Register" r JOIN "Store" s ON s.id = r."storeId"
        WHERE r.id IN (${Prisma.join(ids)})
      )
      SELECT since.id AS "registerId", t.*
      FROM since CROSS JOIN LATERAL (
        SELECT COALESCE(SUM(d.total) FILTER (WHERE d.operation = 'sale'), 0)::bigint AS "salesSum",
               (COUNT(*) FILTER (WHERE d.operation = 'sale'))::int AS "salesCount",
               COALESCE(SUM(d.total) FILTER (WHERE d.operation = 'saleReturn'), 0)::bigint AS "returnsSum",
               (COUNT(*) FILTER (WHERE d.operation = 'saleReturn'))::int AS "returnsCount"
        FROM "FiscalDocument" d
        WHERE d."registerId" = since.id
          AND d."completedAt" >= since.at
          AND d.status = 'done'
          AND d.operation IN ('sale', 'saleReturn')
      ) t`);
    return new Map(
      rows.map((row) => [
        row.registerId,
        {
          salesSum: moneyOut(row.salesSum),
          salesCount: row.salesCount,
          returnsSum: moneyOut(row.returnsSum),
          returnsCount: row.returnsCount,
        },
      ]),
    );
  }

  /** Documents in doubt per register (few, through the status index). */
  private async inDoubt(ids: string[]): Promise<Map<string, number>> {
    const rows = await this.database.prisma.fiscalDocument.groupBy({
      by: ['registerId'],
      where: { status: 'inDoubt', registerId: { in: ids } },
      _count: { _all: true },
    });
    return new Map(rows.map((row) => [row.registerId, row._count._all]));
  }

  /** Each register's newest fiscal document: one index probe per register. */
  private async lastDocuments(ids: string[]): Promise<Map<string, LastDocument>> {
    const rows = await this.database.prisma.$queryRaw<
      (Omit<LastDocument, 'total'> & { registerId: string; total: bigint | null })[]
    >(Prisma.sql`
      SELECT r.id AS "registerId", l.*
      FROM (VALUES ${Prisma.join(ids.map((id) => Prisma.sql`(${id})`))}) AS r(id)
      CROSS JOIN LATERAL (
        SELECT d.id, d.kind, d.operation, d.status::text AS status, d.total, d."fiscalId", d."requestedAt"
        FROM "FiscalDocument" d
        WHERE d."registerId" = r.id AND d.kind IN (${Prisma.join(LAST_DOCUMENT_KINDS)})
        ORDER BY d."requestedAt" DESC, d.id DESC
        LIMIT 1
      ) l`);
    return new Map(
      rows.map(({ registerId, ...document }) => [
        registerId,
        { ...document, total: moneyOut(document.total) },
      ]),
    );
  }
}
