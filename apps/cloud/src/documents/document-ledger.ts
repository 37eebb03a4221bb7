import type { CanonicalCommand, CommandEnvelope, ResultEnvelope } from '@kassa-relay/protocol';
import { Prisma, type PrismaClient } from '../generated/prisma/client';
import type { CloudEvents } from '../platform/cloud-events';

const json = (value: unknown): Prisma.InputJsonValue =>
  JSON.parse(JSON.stringify(value ?? null)) as Prisma.InputJsonValue;

/** What a command says about itself for the document record: the receipt's lines, payments, total. */
function describe(command: CanonicalCommand): {
  operation?: string;
  items?: Prisma.InputJsonValue;
  payments?: Prisma.InputJsonValue;
  total?: number;
} {
  switch (command.type) {
    case 'receipt':
      return {
        operation: command.operation,
        items: json(command.items),
        payments: json(command.payments),
        total: command.total,
      };
    case 'cash.in':
    case 'cash.out':
      return { total: command.amount };
    case 'payment.cancel':
      return { total: command.amount };
    default:
      return {};
  }
}

/**
 * Every command sent to a register becomes a fiscal document row before it is published, and is
 * completed when the agent's result arrives — also a result that arrives after the client gave
 * up waiting, or after the cloud restarted.
 */
export class DocumentLedger {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: CloudEvents,
  ) {}

  async recordSent(envelope: CommandEnvelope): Promise<void> {
    const command = envelope.command as CanonicalCommand;
    const details = describe(command);
    const origin = envelope.origin;
    // Operator PINs travel to the agent in clear but are never stored in clear: such a command is
    // recorded without its envelope (so it is not re-published; the admin API syncs again).
    const stored = command.type === 'operators.sync' ? Prisma.DbNull : json(envelope);
    await this.prisma.fiscalDocument.upsert({
      where: { commandId: envelope.id },
      // A /sale document already exists (its idempotency row was written first): fill it in.
      update: {
        kind: command.type,
        ...details,
        // The idempotency row knows the channel but not who asked: the envelope does.
        ...(origin?.actor ? { originActor: origin.actor } : {}),
        command: stored,
        deadline: new Date(envelope.deadline),
      },
      create: {
        registerId: envelope.registerId,
        idempotencyKey: envelope.id,
        commandId: envelope.id,
        kind: command.type,
        ...details,
        originChannel: origin?.channel ?? 'system',
        originActor: origin?.actor ?? null,
        requestedAt: new Date(envelope.issuedAt),
        command: stored,
        deadline: new Date(envelope.deadline),
      },
    });
  }

  /**
   * Commands still pending for an agent whose deadline has not passed, as published. A broker that
   * lost its queue (a restarted embedded broker) would otherwise leave them pending forever.
   */
  async pendingFor(agentId: string): Promise<CommandEnvelope[]> {
    const rows = await this.prisma.fiscalDocument.findMany({
      where: {
        status: 'pending',
        deadline: { gt: new Date() },
        register: { agentId },
        NOT: { command: { equals: Prisma.DbNull } },
      },
      orderBy: { requestedAt: 'asc' },
      select: { command: true },
      take: 1000,
    });
    return rows.map((row) => row.command as unknown as CommandEnvelope);
  }

  async recordResult(result: ResultEnvelope): Promise<void> {
    const outcome = result.outcome;
    const data: Prisma.FiscalDocumentUpdateManyMutationInput = {
      status: outcome.ok ? 'done' : 'failed',
      completedAt: new Date(result.completedAt),
      deviceMs: result.deviceMs === undefined ? null : Math.round(result.deviceMs),
    };
    if (outcome.ok) {
      const r = outcome.result;
      Object.assign(data, {
        fiscalId: r.fiscalId ?? null,
        checkNumber: r.checkNumber ?? null,
        documentNumber: r.documentNumber ?? null,
        shiftNumber: r.shiftNumber ?? r.shift?.number ?? null,
        qrPayload: r.qrPayload ?? null,
        ...(r.change !== undefined ? { change: r.change } : {}),
        ...(r.total !== undefined ? { total: r.total } : {}),
        // The receipt image is large and has its own endpoint; the raw device answer is kept.
        deviceAnswer: json({
          ...r,
          image: r.image ? { contentType: r.image.contentType, bytes: r.image.base64.length } : undefined,
        }),
        error: undefined,
      });
    } else {
      data.error = json(outcome.error);
      if (outcome.error.code === 'RESULT_UNKNOWN') data.status = 'unknown';
    }
    const document = await this.prisma.fiscalDocument.findUnique({
      where: { commandId: result.commandId },
      select: {
        id: true,
        registerId: true,
        kind: true,
        register: { select: { store: { select: { organisationId: true } } } },
      },
    });
    if (!document) return;
    const updated = await this.prisma.fiscalDocument.update({ where: { id: document.id }, data });
    this.events.emit('document.changed', {
      organisationId: document.register.store.organisationId,
      registerId: document.registerId,
      documentId: document.id,
      status: updated.status,
      kind: document.kind,
    });
    if (outcome.ok)
      await this.recordShift(document.registerId, document.register.store.organisationId, outcome.result);
  }

  /** Shifts and Z reports from results that carry them (open/close shift, X/Z reports, receipts). */
  private async recordShift(
    registerId: string,
    organisationId: string,
    result: Extract<ResultEnvelope['outcome'], { ok: true }>['result'],
  ): Promise<void> {
    const number = result.shift?.number ?? result.shiftNumber;
    if (number === undefined || number <= 0) return;
    const counters = result.counters;
    const closing =
      result.type === 'shift.close' || result.type === 'shift.forceClose' || result.type === 'report.z';
    const fields = {
      ...(result.shift?.openedAt ? { openedAt: new Date(result.shift.openedAt) } : {}),
      ...(closing ? { closedAt: result.shift?.closedAt ? new Date(result.shift.closedAt) : new Date() } : {}),
      ...(closing && counters ? { zReport: json(counters) } : {}),
      ...(counters
        ? {
            sumSales: counters.sumSales,
            sumReturns: counters.sumReturns,
            countSales: counters.countSales,
            countReturns: counters.countReturns,
            sumInsert: counters.sumInsert,
            sumRemove: counters.sumRemove,
            cashBalance: counters.cashBalance,
          }
        : {}),
    };
    await this.prisma.shift.upsert({
      where: { registerId_number: { registerId, number } },
      update: fields,
      create: { registerId, number, ...fields },
    });
    this.events.emit('shift.changed', { organisationId, registerId, shiftNumber: number });
  }
}
