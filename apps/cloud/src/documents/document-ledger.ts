import { randomUUID } from 'node:crypto';
import {
  type CanonicalCommand,
  type CommandEnvelope,
  commandOutcomeToSaleAnswer,
  type ResultEnvelope,
} from '@kassa-relay/protocol';
import { Prisma, type PrismaClient } from '../generated/prisma/client';
import type { DocumentStatus } from '../generated/prisma/enums';
import type { CloudEvents } from '../platform/cloud-events';
import type { RegisterDirectory } from '../registers/register-directory';

/** Command ids of `/sale` documents (derived from the idempotency key): their row keeps the POS answer. */
export const SALE_COMMAND_PREFIX = 'sale-';

const json = (value: unknown): Prisma.InputJsonValue =>
  JSON.parse(JSON.stringify(value ?? null)) as Prisma.InputJsonValue;

/** What a command says about itself for the document record: the receipt's lines, payments, total. */
function describeCommand(command: CanonicalCommand): {
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
 * The columns a command envelope fills in its document: what was asked, by whom, when, until when.
 * Operator PINs travel to the agent in clear but are never stored in clear: such a command is
 * recorded without its envelope (so it is not re-published; the admin API syncs again).
 */
function documentColumns(envelope: CommandEnvelope) {
  const command = envelope.command as CanonicalCommand;
  return {
    kind: command.type,
    ...describeCommand(command),
    originActor: envelope.origin?.actor ?? null,
    command: command.type === 'operators.sync' ? null : envelope,
    requestedAt: new Date(envelope.issuedAt),
    deadline: new Date(envelope.deadline),
  };
}

/** The same columns for Prisma's model API (a document re-armed for a new attempt). */
export function documentFields(envelope: CommandEnvelope) {
  const columns = documentColumns(envelope);
  return { ...columns, command: columns.command === null ? Prisma.DbNull : json(columns.command) };
}

/**
 * Every command sent to a register becomes a fiscal document row before it is published, and is
 * completed when the agent's result arrives — also a result that arrives after the client gave
 * up waiting, or after the cloud restarted.
 */
export class DocumentLedger {
  /** Results being written: the relay's listener and a waiting POS request share one write. */
  private readonly recording = new Map<string, Promise<void>>();
  /** Shifts known to have a row: a receipt's result then needs no shift write at all. */
  private readonly knownShifts = new Set<string>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: CloudEvents,
    private readonly directory: RegisterDirectory,
  ) {}

  async recordSent(envelope: CommandEnvelope): Promise<void> {
    await this.insertSent(envelope, {
      idempotencyKey: envelope.id,
      originChannel: envelope.origin?.channel ?? 'system',
    });
  }

  /**
   * The document of a command about to be published, in one insert; false (nothing written) when
   * its idempotency key or command id is taken. SQL, not the model API: it runs for every sale, and
   * Prisma spends ~1.5 ms of CPU on a JSON insert.
   */
  async insertSent(
    envelope: CommandEnvelope,
    document: { idempotencyKey: string; originChannel: string },
  ): Promise<boolean> {
    const c = documentColumns(envelope);
    const jsonOrNull = (value: unknown) =>
      value === undefined || value === null ? null : JSON.stringify(value);
    const count = await this.prisma.$executeRaw`
      INSERT INTO "FiscalDocument" (
        "id", "registerId", "idempotencyKey", "commandId", "kind", "operation", "items", "payments", "total",
        "originChannel", "originActor", "requestedAt", "command", "deadline"
      ) VALUES (
        ${randomUUID()}, ${envelope.registerId}, ${document.idempotencyKey}, ${envelope.id}, ${c.kind},
        ${c.operation ?? null}, ${jsonOrNull(c.items)}::jsonb, ${jsonOrNull(c.payments)}::jsonb,
        ${c.total ?? null}::int, ${document.originChannel}, ${c.originActor}, ${c.requestedAt},
        ${jsonOrNull(c.command)}::jsonb, ${c.deadline}
      ) ON CONFLICT DO NOTHING`;
    return count === 1;
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

  /** Completes the result's document; concurrent calls for the same result share one write. */
  recordResult(result: ResultEnvelope): Promise<void> {
    const running = this.recording.get(result.commandId);
    if (running) return running;
    const recording = this.writeResult(result).finally(() => this.recording.delete(result.commandId));
    this.recording.set(result.commandId, recording);
    return recording;
  }

  private async writeResult(result: ResultEnvelope): Promise<void> {
    const outcome = result.outcome;
    const status = outcome.ok ? 'done' : outcome.error.code === 'RESULT_UNKNOWN' ? 'unknown' : 'failed';
    const completedAt = new Date(result.completedAt);
    const deviceMs = result.deviceMs === undefined ? null : Math.round(result.deviceMs);
    // A /sale document also keeps the answer its client got, for repeats of the same document.
    const answer = result.commandId.startsWith(SALE_COMMAND_PREFIX)
      ? JSON.stringify(commandOutcomeToSaleAnswer(outcome))
      : null;
    // One statement (UPDATE … RETURNING) at the full command rate, written as SQL: Prisma's model
    // API spends about a millisecond of CPU per JSON-carrying write, more than the write itself.
    let rows: { id: string; registerId: string; kind: string; status: DocumentStatus }[];
    if (outcome.ok) {
      const r = outcome.result;
      // The receipt image is large and has its own endpoint; the raw device answer is kept.
      const deviceAnswer = JSON.stringify({
        ...r,
        image: r.image ? { contentType: r.image.contentType, bytes: r.image.base64.length } : undefined,
      });
      rows = await this.prisma.$queryRaw`
        UPDATE "FiscalDocument" SET
          "status" = ${status}::"DocumentStatus", "completedAt" = ${completedAt}, "deviceMs" = ${deviceMs}::int,
          "fiscalId" = ${r.fiscalId ?? null}, "checkNumber" = ${r.checkNumber ?? null}::int,
          "documentNumber" = ${r.documentNumber ?? null}::int,
          "shiftNumber" = ${r.shiftNumber ?? r.shift?.number ?? null}::int, "qrPayload" = ${r.qrPayload ?? null},
          "change" = COALESCE(${r.change ?? null}::int, "change"), "total" = COALESCE(${r.total ?? null}::int, "total"),
          "deviceAnswer" = ${deviceAnswer}::jsonb, "answer" = COALESCE(${answer}::jsonb, "answer")
        WHERE "commandId" = ${result.commandId}
        RETURNING "id", "registerId", "kind", "status"::text AS "status"`;
    } else {
      rows = await this.prisma.$queryRaw`
        UPDATE "FiscalDocument" SET
          "status" = ${status}::"DocumentStatus", "completedAt" = ${completedAt}, "deviceMs" = ${deviceMs}::int,
          "error" = ${JSON.stringify(outcome.error)}::jsonb, "answer" = COALESCE(${answer}::jsonb, "answer")
        WHERE "commandId" = ${result.commandId}
        RETURNING "id", "registerId", "kind", "status"::text AS "status"`;
    }
    const document = rows[0];
    if (!document) return;
    const organisationId = (await this.directory.find(document.registerId))?.organisationId;
    if (!organisationId) return;
    this.events.emit('document.changed', {
      organisationId,
      registerId: document.registerId,
      documentId: document.id,
      status: document.status,
      kind: document.kind,
    });
    if (outcome.ok) await this.recordShift(document.registerId, organisationId, outcome.result);
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
    const shiftKey = `${registerId}#${number}`;
    // A receipt only names its shift: once the row exists there is nothing to write.
    if (Object.keys(fields).length === 0 && this.knownShifts.has(shiftKey)) return;
    await this.prisma.shift.upsert({
      where: { registerId_number: { registerId, number } },
      update: fields,
      create: { registerId, number, ...fields },
    });
    if (this.knownShifts.size > 10_000) this.knownShifts.clear();
    this.knownShifts.add(shiftKey);
    this.events.emit('shift.changed', { organisationId, registerId, shiftNumber: number });
  }
}
