import type { CommandEnvelope, SaleAnswer } from '@kassa-relay/protocol';
import { type DocumentLedger, documentFields } from '../documents/document-ledger';
import { Prisma, type PrismaClient } from '../generated/prisma/client';
import type { SaleDocument, SaleDocumentStore } from './sale-document-store';

type Row = {
  idempotencyKey: string;
  agentId: string | null;
  commandId: string;
  registerId: string;
  status: string;
  answer: unknown;
  fiscalId: string | null;
};

const toStatus = (status: string): SaleDocument['status'] =>
  status === 'done' || status === 'pending' || status === 'inDoubt' ? status : 'failed';

const toDocument = (row: Row): SaleDocument => ({
  idempotencyKey: row.idempotencyKey,
  commandId: row.commandId,
  registerId: row.registerId,
  status: toStatus(row.status),
  ...(row.agentId ? { agentId: row.agentId } : {}),
  ...(row.answer ? { answer: row.answer as SaleAnswer } : {}),
  ...(row.fiscalId ? { fiscalId: row.fiscalId } : {}),
});

/**
 * `/sale` idempotency on the fiscal_document table: (store, docTime + docNumber + amount) is unique
 * (`storeKey`); documents from before that rule are still found by (register, key).
 */
const storeKeyOf = (document: Pick<SaleDocument, 'storeId' | 'idempotencyKey'>) =>
  document.storeId ? `${document.storeId}|${document.idempotencyKey}` : undefined;

export class PrismaSaleDocumentStore implements SaleDocumentStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly ledger: DocumentLedger,
  ) {}

  async createPending(
    document: Omit<SaleDocument, 'status'>,
    envelope: CommandEnvelope,
  ): Promise<{ created: boolean; document: SaleDocument }> {
    // The idempotency row and the whole command in one insert: the only write before publishing.
    // A taken key (a repeat, or a concurrent one) inserts nothing and finds the existing document.
    const storeKey = storeKeyOf(document);
    const created = await this.ledger.insertSent(envelope, {
      idempotencyKey: document.idempotencyKey,
      originChannel: 'sale',
      ...(document.agentId ? { agentId: document.agentId } : {}),
      ...(storeKey ? { storeKey } : {}),
    });
    if (created) return { created: true, document: { ...document, status: 'pending' } };
    const row =
      (storeKey ? await this.prisma.fiscalDocument.findUnique({ where: { storeKey } }) : null) ??
      (await this.prisma.fiscalDocument.findUnique({
        where: {
          registerId_idempotencyKey: {
            registerId: document.registerId,
            idempotencyKey: document.idempotencyKey,
          },
        },
      })) ??
      (await this.prisma.fiscalDocument.findUniqueOrThrow({ where: { commandId: envelope.id } }));
    return { created: false, document: toDocument(row) };
  }

  async statusOf(commandId: string): Promise<SaleDocument['status'] | undefined> {
    const row = await this.prisma.fiscalDocument.findUnique({
      where: { commandId },
      select: { status: true },
    });
    return row ? toStatus(row.status) : undefined;
  }

  async restart(previousCommandId: string, envelope: CommandEnvelope, agentId?: string): Promise<boolean> {
    // The new attempt may be on a sibling register (the POS failed over): the document moves with it.
    const { count } = await this.prisma.fiscalDocument.updateMany({
      where: { commandId: previousCommandId, status: 'failed' },
      data: {
        ...documentFields(envelope),
        registerId: envelope.registerId,
        commandId: envelope.id,
        agentId: agentId ?? null,
        status: 'pending',
        answer: Prisma.DbNull,
        result: Prisma.DbNull,
        error: Prisma.DbNull,
        completedAt: null,
      },
    });
    return count === 1;
  }

  async receiptAnswer(registerId: string, fiscalId: string): Promise<SaleAnswer | undefined> {
    const row = await this.prisma.fiscalDocument.findFirst({
      where: { registerId, kind: 'receipt', status: 'done', fiscalId },
      orderBy: { requestedAt: 'desc' },
      select: { answer: true, fiscalId: true, documentNumber: true, checkNumber: true },
    });
    if (!row) return undefined;
    const stored = row.answer as SaleAnswer | null;
    if (stored?.code === 0) return stored;
    // A receipt made over WS or by the office: the seed 001 fields from the ledger's columns.
    return {
      status: 'success',
      code: 0,
      ...(row.documentNumber !== null ? { documentID: row.documentNumber } : {}),
      fiscalID: fiscalId,
      ...(row.documentNumber !== null ? { fiscalNum: String(row.documentNumber) } : {}),
      ...(row.checkNumber !== null ? { checkNum: String(row.checkNumber) } : {}),
    };
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
