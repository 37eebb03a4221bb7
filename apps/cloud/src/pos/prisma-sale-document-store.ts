import type { CommandOutcome, SaleAnswer } from '@kassa-relay/protocol';
import { Prisma, type PrismaClient } from '../generated/prisma/client';
import type { SaleDocument, SaleDocumentStore } from './sale-document-store';

const json = (value: unknown): Prisma.InputJsonValue =>
  JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;

type Row = {
  idempotencyKey: string;
  commandId: string;
  registerId: string;
  status: string;
  answer: unknown;
  fiscalId: string | null;
};

const toDocument = (row: Row): SaleDocument => ({
  idempotencyKey: row.idempotencyKey,
  commandId: row.commandId,
  registerId: row.registerId,
  status: row.status === 'done' ? 'done' : row.status === 'pending' ? 'pending' : 'failed',
  ...(row.answer ? { answer: row.answer as SaleAnswer } : {}),
  ...(row.fiscalId ? { fiscalId: row.fiscalId } : {}),
});

/** `/sale` idempotency on the fiscal_document table: (register, docTime + docNumber + amount) is unique. */
export class PrismaSaleDocumentStore implements SaleDocumentStore {
  constructor(private readonly prisma: PrismaClient) {}

  async find(registerId: string, idempotencyKey: string): Promise<SaleDocument | null> {
    const row = await this.prisma.fiscalDocument.findUnique({
      where: { registerId_idempotencyKey: { registerId, idempotencyKey } },
    });
    return row ? toDocument(row) : null;
  }

  async createPending(
    document: Omit<SaleDocument, 'status'>,
  ): Promise<{ created: boolean; document: SaleDocument }> {
    try {
      const row = await this.prisma.fiscalDocument.create({
        data: {
          registerId: document.registerId,
          idempotencyKey: document.idempotencyKey,
          commandId: document.commandId,
          kind: 'receipt',
          originChannel: 'sale',
          // The cloud's clock, as for every other document (the ledger orders receipts by it).
          requestedAt: new Date(),
        },
      });
      return { created: true, document: toDocument(row) };
    } catch (error) {
      // Unique violation: a concurrent repeat created it first.
      if ((error as { code?: string }).code !== 'P2002') throw error;
      const row = await this.prisma.fiscalDocument.findUniqueOrThrow({
        where: {
          registerId_idempotencyKey: {
            registerId: document.registerId,
            idempotencyKey: document.idempotencyKey,
          },
        },
      });
      return { created: false, document: toDocument(row) };
    }
  }

  async complete(commandId: string, outcome: CommandOutcome, answer: SaleAnswer): Promise<void> {
    const status = outcome.ok ? 'done' : outcome.error.code === 'RESULT_UNKNOWN' ? 'unknown' : 'failed';
    await this.prisma.fiscalDocument.updateMany({
      where: { commandId },
      data: { answer: json(answer), status, ...(answer.fiscalID ? { fiscalId: answer.fiscalID } : {}) },
    });
  }

  async restart(
    registerId: string,
    idempotencyKey: string,
    previousCommandId: string,
    commandId: string,
  ): Promise<boolean> {
    const { count } = await this.prisma.fiscalDocument.updateMany({
      where: { registerId, idempotencyKey, commandId: previousCommandId, status: 'failed' },
      data: {
        commandId,
        status: 'pending',
        answer: Prisma.DbNull,
        error: Prisma.DbNull,
        completedAt: null,
        requestedAt: new Date(),
      },
    });
    return count === 1;
  }

  async receiptPosition(registerId: string, fiscalId: string): Promise<'latest' | 'older' | 'unknown'> {
    const receipt = await this.prisma.fiscalDocument.findFirst({
      where: { registerId, kind: 'receipt', status: 'done', fiscalId },
      orderBy: { requestedAt: 'desc' },
      select: { requestedAt: true },
    });
    if (!receipt) return 'unknown';
    // A register serves one command at a time in the order they came: a receipt requested later
    // that did not fail (done, running or unknown) has printed, or will print, after this one.
    const later = await this.prisma.fiscalDocument.count({
      where: {
        registerId,
        kind: 'receipt',
        status: { not: 'failed' },
        requestedAt: { gt: receipt.requestedAt },
      },
    });
    return later === 0 ? 'latest' : 'older';
  }
}
