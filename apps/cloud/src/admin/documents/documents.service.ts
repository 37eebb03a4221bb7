import { Injectable, NotFoundException } from '@nestjs/common';
import { z } from 'zod';
import type { DocumentRef } from '@kassa-relay/protocol';
import type { Prisma } from '../../generated/prisma/client';
import { Database } from '../../platform/database';
import type { JwtClaims } from '../../security/secret-box';
import { decodeCursor, type Page, pageQuerySchema, toPage } from '../keyset';
import { RegisterCommands } from '../registers/register-commands.service';
import { registerInclude } from '../registers/register-views';
import { instantSchema } from '../time-zone';

const DOCUMENT_STATUSES = ['pending', 'done', 'failed', 'unknown'] as const;

/** One value or several, comma-separated (`status=failed,unknown`). */
const oneOrMore = <T extends z.ZodType<string, string>>(value: T) =>
  z
    .string()
    .max(500)
    .transform((text) => text.split(',').map((part) => part.trim()))
    .pipe(z.array(value).min(1));

const minor = z.coerce.number().int().refine(Number.isSafeInteger, 'must be a safe integer');

export const listDocumentsSchema = pageQuerySchema.extend({
  storeId: z.string().min(1).max(64).optional(),
  registerId: z.string().min(1).max(64).optional(),
  from: instantSchema.optional().describe('requested at or after (ISO 8601)'),
  to: instantSchema.optional().describe('requested before (ISO 8601)'),
  kind: oneOrMore(z.string().min(1).max(40))
    .optional()
    .describe('command type: receipt, shift.close, report.x, cash.in, … (comma-separated for several)'),
  operation: oneOrMore(z.string().min(1).max(40))
    .optional()
    .describe('receipt operation: sale, saleReturn, buy, buyReturn (comma-separated for several)'),
  status: oneOrMore(z.enum(DOCUMENT_STATUSES)).optional().describe('pending, done, failed, unknown'),
  fiscalId: z.string().min(1).max(100).optional(),
  amountMin: minor.optional().describe('total ≥ (minor units)'),
  amountMax: minor.optional().describe('total ≤ (minor units)'),
});
export type ListDocumentsQuery = z.infer<typeof listDocumentsSchema>;

interface RegisterInfo {
  name: string;
  currency: 'KZT' | 'RUB';
  storeId: string;
  storeName: string;
}

export interface DocumentView {
  id: string;
  registerId: string;
  registerName: string;
  storeId: string;
  storeName: string;
  currency: 'KZT' | 'RUB';
  kind: string;
  operation: string | null;
  status: string;
  total: number | null;
  fiscalId: string | null;
  checkNumber: number | null;
  documentNumber: number | null;
  shiftNumber: number | null;
  originChannel: string;
  originActor: string | null;
  requestedAt: Date;
  completedAt: Date | null;
}

const listSelect = {
  id: true,
  registerId: true,
  kind: true,
  operation: true,
  status: true,
  total: true,
  fiscalId: true,
  checkNumber: true,
  documentNumber: true,
  shiftNumber: true,
  originChannel: true,
  originActor: true,
  requestedAt: true,
  completedAt: true,
} as const satisfies Prisma.FiscalDocumentSelect;
type ListRow = Prisma.FiscalDocumentGetPayload<{ select: typeof listSelect }>;

function toView(row: ListRow, register: RegisterInfo): DocumentView {
  return {
    id: row.id,
    registerId: row.registerId,
    registerName: register.name,
    storeId: register.storeId,
    storeName: register.storeName,
    currency: register.currency,
    kind: row.kind,
    operation: row.operation,
    status: row.status,
    total: row.total,
    fiscalId: row.fiscalId,
    checkNumber: row.checkNumber,
    documentNumber: row.documentNumber,
    shiftNumber: row.shiftNumber,
    originChannel: row.originChannel,
    originActor: row.originActor,
    requestedAt: row.requestedAt,
    completedAt: row.completedAt,
  };
}

/** The fiscal document ledger as the office reads it: every command sent to a register, newest first. */
@Injectable()
export class DocumentsService {
  constructor(
    private readonly database: Database,
    private readonly commands: RegisterCommands,
  ) {}

  /** The organisation's registers, narrowed by the store / register filters. */
  private async registers(
    admin: JwtClaims,
    filter: { storeId?: string | undefined; registerId?: string | undefined },
  ): Promise<Map<string, RegisterInfo>> {
    const rows = await this.database.prisma.register.findMany({
      where: {
        store: { organisationId: admin.org },
        ...(filter.storeId ? { storeId: filter.storeId } : {}),
        ...(filter.registerId ? { id: filter.registerId } : {}),
      },
      select: { id: true, name: true, currency: true, storeId: true, store: { select: { name: true } } },
    });
    return new Map(
      rows.map((row) => [
        row.id,
        { name: row.name, currency: row.currency, storeId: row.storeId, storeName: row.store.name },
      ]),
    );
  }

  async list(admin: JwtClaims, query: ListDocumentsQuery): Promise<Page<DocumentView>> {
    const registers = await this.registers(admin, query);
    if (registers.size === 0) return { items: [], nextCursor: null };
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const and: Prisma.FiscalDocumentWhereInput[] = [];
    if (query.from) and.push({ requestedAt: { gte: query.from } });
    if (query.to) and.push({ requestedAt: { lt: query.to } });
    if (after)
      and.push(
        { requestedAt: { lte: after.at } },
        { OR: [{ requestedAt: { lt: after.at } }, { id: { lt: after.id } }] },
      );
    if (query.amountMin !== undefined) and.push({ total: { gte: query.amountMin } });
    if (query.amountMax !== undefined) and.push({ total: { lte: query.amountMax } });
    const rows = await this.database.prisma.fiscalDocument.findMany({
      where: {
        registerId: { in: [...registers.keys()] },
        ...(query.kind ? { kind: { in: query.kind } } : {}),
        ...(query.operation ? { operation: { in: query.operation } } : {}),
        ...(query.status ? { status: { in: query.status } } : {}),
        ...(query.fiscalId ? { fiscalId: query.fiscalId } : {}),
        ...(and.length ? { AND: and } : {}),
      },
      select: listSelect,
      orderBy: [{ requestedAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
    });
    return toPage(
      rows,
      query.limit,
      (row) => row.requestedAt,
      (row) => toView(row, registers.get(row.registerId)!),
    );
  }

  private async findRow(admin: JwtClaims, id: string) {
    const row = await this.database.prisma.fiscalDocument.findFirst({
      where: { id, register: { store: { organisationId: admin.org } } },
      include: { register: { include: registerInclude } },
    });
    if (!row) throw new NotFoundException(`document ${id} not found`);
    return row;
  }

  async get(admin: JwtClaims, id: string) {
    const row = await this.findRow(admin, id);
    const register = row.register;
    return {
      ...toView(row, {
        name: register.name,
        currency: register.currency,
        storeId: register.storeId,
        storeName: register.store.name,
      }),
      items: row.items,
      payments: row.payments,
      change: row.change,
      qrPayload: row.qrPayload,
      error: row.error,
      deviceAnswer: row.deviceAnswer,
      deviceMs: row.deviceMs,
    };
  }

  /** The register's own picture of the document (cash core `GetDocumentImage`), as PNG bytes. */
  async image(admin: JwtClaims, id: string): Promise<Buffer> {
    const row = await this.findRow(admin, id);
    if (row.register.kind !== 'cash_core')
      throw new NotFoundException('an iKKM register keeps no receipt images; only cash-core registers do');
    const document: DocumentRef | undefined =
      row.shiftNumber && row.documentNumber
        ? { shiftNumber: row.shiftNumber, documentNumber: row.documentNumber }
        : row.fiscalId
          ? { fiscalId: row.fiscalId }
          : undefined;
    if (!document)
      throw new NotFoundException(
        `document ${id} has no fiscal number on the register (status ${row.status}): there is no image of it`,
      );
    const reply = this.commands.expectDone(
      await this.commands.send(admin, row.register, { type: 'receipt.image', document }),
    );
    if (!reply.result.image) throw new NotFoundException('the register answered without an image');
    return Buffer.from(reply.result.image.base64, 'base64');
  }
}
