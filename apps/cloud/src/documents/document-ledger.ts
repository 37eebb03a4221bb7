import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  type CanonicalCommand,
  type CommandEnvelope,
  type CommandInDoubt,
  commandOutcomeToSaleAnswer,
  describeError,
  type DoubtEvidence,
  type ResultEnvelope,
  type SaleAnswer,
} from '@kassa-relay/protocol';
import { Prisma, type PrismaClient } from '../generated/prisma/client';
import type { DocumentStatus } from '../generated/prisma/enums';
import type { CloudEvents } from '../platform/cloud-events';
import type { RegisterDirectory } from '../registers/register-directory';
import { redactKeysDeep, scrubDeviceAnswer } from './device-secrets';

/**
 * Why a result was not applied: `unknownCommand` — no document has its command id; `notOwner` — it
 * did not come from the agent that serves the document's register (or names another register);
 * `duplicate` — the document already holds this very outcome (an agent re-sends results after a
 * reconnect); `final` — the document is done or failed and a final document never changes;
 * `resolved` — an operator already decided it.
 */
export const IGNORED_RESULT_REASONS = [
  'unknownCommand',
  'notOwner',
  'duplicate',
  'final',
  'resolved',
] as const;
export type IgnoredResultReason = (typeof IGNORED_RESULT_REASONS)[number];

/** What the ledger did with a result, and the document as it stands afterwards. */
export type RecordedResult =
  | { applied: true; status: DocumentStatus; answer: SaleAnswer | null }
  | { applied: false; reason: IgnoredResultReason; status?: DocumentStatus; answer?: SaleAnswer | null };

/** The status a result gives its document: a RESULT_UNKNOWN error (older agents) is a doubt, not a failure. */
export function resultDocumentStatus(result: Pick<ResultEnvelope, 'outcome'>): 'done' | 'failed' | 'inDoubt' {
  if (result.outcome.ok) return 'done';
  return result.outcome.error.code === 'RESULT_UNKNOWN' ? 'inDoubt' : 'failed';
}

/**
 * The document's agent: the one its command was published to (older documents: the register's
 * agent). SQL over `d` (the document) and `r` (its register).
 */
/** The document was sent to this agent, and the agent is not disabled (a cut-off PC settles nothing). */
const ownedBy = (agentId: string) =>
  Prisma.sql`(d."agentId" = ${agentId} OR (d."agentId" IS NULL AND r."agentId" = ${agentId}))
    AND NOT EXISTS (SELECT 1 FROM "Agent" a WHERE a."id" = ${agentId} AND a."disabledAt" IS NOT NULL)`;

type ReturnedRow = { id: string; registerId: string; kind: string; status: DocumentStatus; answer: unknown };

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
  /** Shifts known to have a row: a receipt's result then needs no shift write at all. */
  private readonly knownShifts = new Set<string>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: CloudEvents,
    private readonly directory: RegisterDirectory,
    private readonly logger?: Logger,
  ) {}

  async recordSent(envelope: CommandEnvelope, agentId?: string): Promise<void> {
    await this.insertSent(envelope, {
      idempotencyKey: envelope.id,
      originChannel: envelope.origin?.channel ?? 'system',
      ...(agentId ? { agentId } : {}),
    });
  }

  /**
   * The document of a command about to be published, in one insert; false (nothing written) when
   * its idempotency key or command id is taken. SQL, not the model API: it runs for every sale, and
   * Prisma spends ~1.5 ms of CPU on a JSON insert.
   */
  async insertSent(
    envelope: CommandEnvelope,
    /** `agentId`: the agent it is published to — the only one whose results and heartbeats settle it. */
    document: { idempotencyKey: string; originChannel: string; agentId?: string; storeKey?: string },
  ): Promise<boolean> {
    const c = documentColumns(envelope);
    const jsonOrNull = (value: unknown) =>
      value === undefined || value === null ? null : JSON.stringify(value);
    const count = await this.prisma.$executeRaw`
      INSERT INTO "FiscalDocument" (
        "id", "registerId", "idempotencyKey", "commandId", "kind", "operation", "items", "payments", "total",
        "originChannel", "originActor", "agentId", "requestedAt", "command", "deadline", "storeKey"
      ) VALUES (
        ${randomUUID()}, ${envelope.registerId}, ${document.idempotencyKey}, ${envelope.id}, ${c.kind},
        ${c.operation ?? null}, ${jsonOrNull(c.items)}::jsonb, ${jsonOrNull(c.payments)}::jsonb,
        ${c.total ?? null}::bigint, ${document.originChannel}, ${c.originActor}, ${document.agentId ?? null},
        ${c.requestedAt}, ${jsonOrNull(c.command)}::jsonb, ${c.deadline}, ${document.storeKey ?? null}
      ) ON CONFLICT DO NOTHING`;
    return count === 1;
  }

  /**
   * Commands still pending for an agent whose deadline has not passed, as published. A broker that
   * lost its queue (a restarted embedded broker) would otherwise leave them pending forever. Only
   * those published to this agent: one sent to an agent the register has left since may have run
   * there, and must not run again here.
   */
  async pendingFor(agentId: string): Promise<CommandEnvelope[]> {
    const rows = await this.prisma.fiscalDocument.findMany({
      where: {
        status: 'pending',
        deadline: { gt: new Date() },
        OR: [{ agentId }, { agentId: null, register: { agentId } }],
        NOT: { command: { equals: Prisma.DbNull } },
      },
      orderBy: { requestedAt: 'asc' },
      select: { command: true },
      take: 1000,
    });
    return rows.map((row) => row.command as unknown as CommandEnvelope);
  }

  /** The result envelope that settled a command (any cloud instance may have stored it). */
  async storedResult(commandId: string): Promise<ResultEnvelope | undefined> {
    const rows = await this.prisma.$queryRaw<{ result: ResultEnvelope | null }[]>`
      SELECT "result" FROM "FiscalDocument" WHERE "commandId" = ${commandId} AND "result" IS NOT NULL`;
    return rows[0]?.result ?? undefined;
  }

  /**
   * Completes the result's document. A result is applied only when it comes from the document's
   * agent (the one serving the register, that the command was published to) and only while the
   * document is pending or in doubt: anything else is logged, counted (`result.ignored`) and
   * changes nothing. The dispatcher (`commands/`) is its only caller.
   */
  async recordResult(result: ResultEnvelope): Promise<RecordedResult> {
    // Device keys never reach a table (nor the answers and views made from it).
    const outcome = result.outcome.ok ? result.outcome : redactKeysDeep(result.outcome);
    const status = resultDocumentStatus(result);
    const completedAt = new Date(result.completedAt);
    const deviceMs = result.deviceMs === undefined ? null : Math.round(result.deviceMs);
    const evidence = result.evidence?.length ? JSON.stringify(redactKeysDeep(result.evidence)) : null;
    // The envelope as stored for waiters on any instance: keys redacted; a receipt image (large)
    // only where it is the answer itself (`receipt.image`).
    const stored = { ...result, outcome };
    const slimResult = JSON.stringify(
      outcome.ok && outcome.result.image
        ? { ...stored, outcome: { ...outcome, result: { ...outcome.result, image: undefined } } }
        : stored,
    );
    const fullResult = outcome.ok && outcome.result.image ? JSON.stringify(stored) : null;
    const resultColumn = Prisma.sql`"result" = COALESCE(CASE WHEN d.kind = 'receipt.image' THEN ${fullResult}::jsonb END, ${slimResult}::jsonb)`;
    // A /sale document also keeps the answer its client got, for repeats of the same document;
    // a document in doubt has no answer yet (a repeat is told to ask again).
    const answer =
      result.commandId.startsWith(SALE_COMMAND_PREFIX) && status !== 'inDoubt'
        ? JSON.stringify(commandOutcomeToSaleAnswer(outcome))
        : null;
    // Applied only from the register's own agent, and only to a document still open.
    const owned = Prisma.sql`
      FROM "Register" r
      WHERE d."commandId" = ${result.commandId} AND d."registerId" = ${result.registerId}
        AND r.id = d."registerId" AND ${ownedBy(result.agentId)}
        AND d."status" IN ('pending', 'inDoubt')
      RETURNING d.id, d."registerId", d.kind, d."status"::text AS "status", d.answer`;
    // One statement (UPDATE … RETURNING) at the full command rate, written as SQL: Prisma's model
    // API spends about a millisecond of CPU per JSON-carrying write, more than the write itself.
    let rows: ReturnedRow[];
    if (outcome.ok) {
      const r = outcome.result;
      // The receipt image is large and has its own endpoint; the raw device answer is kept.
      const deviceAnswer = JSON.stringify(
        scrubDeviceAnswer({
          ...r,
          image: r.image ? { contentType: r.image.contentType, bytes: r.image.base64.length } : undefined,
        }),
      );
      rows = await this.prisma.$queryRaw`
        UPDATE "FiscalDocument" d SET
          "status" = 'done', "completedAt" = ${completedAt}, "deviceMs" = ${deviceMs}::int,
          "fiscalId" = ${r.fiscalId ?? null}, "checkNumber" = ${r.checkNumber ?? null}::int,
          "documentNumber" = ${r.documentNumber ?? null}::int,
          "shiftNumber" = ${r.shiftNumber ?? r.shift?.number ?? null}::int, "qrPayload" = ${r.qrPayload ?? null},
          "change" = COALESCE(${r.change ?? null}::bigint, d."change"), "total" = COALESCE(${r.total ?? null}::bigint, d."total"),
          "deviceAnswer" = ${deviceAnswer}::jsonb, "answer" = COALESCE(${answer}::jsonb, d."answer"),
          "doubtEvidence" = COALESCE(${evidence}::jsonb, d."doubtEvidence"), ${resultColumn}
        ${owned}`;
    } else if (status === 'inDoubt') {
      // An older agent's RESULT_UNKNOWN: not a failure — the document waits for proof or an operator.
      const line: DoubtEvidence = { at: result.completedAt, text: describeError(outcome.error) };
      rows = await this.prisma.$queryRaw`
        UPDATE "FiscalDocument" d SET
          "status" = 'inDoubt', "deviceMs" = ${deviceMs}::int, "error" = ${JSON.stringify(outcome.error)}::jsonb,
          "doubtSince" = COALESCE(d."doubtSince", ${completedAt}),
          "doubtEvidence" = COALESCE(${evidence}::jsonb, ${JSON.stringify([line])}::jsonb || COALESCE(d."doubtEvidence", '[]'::jsonb)),
          "doubtUpdatedAt" = ${new Date()}, ${resultColumn}
        ${owned}`;
    } else {
      rows = await this.prisma.$queryRaw`
        UPDATE "FiscalDocument" d SET
          "status" = 'failed', "completedAt" = ${completedAt}, "deviceMs" = ${deviceMs}::int,
          "error" = ${JSON.stringify(outcome.error)}::jsonb, "answer" = COALESCE(${answer}::jsonb, d."answer"),
          "doubtEvidence" = COALESCE(${evidence}::jsonb, d."doubtEvidence"), ${resultColumn}
        ${owned}`;
    }
    const document = rows[0];
    if (!document) return this.ignored(result, status);
    const organisationId = (await this.directory.find(document.registerId))?.organisationId;
    const recorded: RecordedResult = {
      applied: true,
      status: document.status,
      answer: (document.answer as SaleAnswer | null) ?? null,
    };
    if (!organisationId) return recorded;
    this.events.emit('document.changed', {
      organisationId,
      registerId: document.registerId,
      documentId: document.id,
      status: document.status,
      kind: document.kind,
    });
    if (outcome.ok) await this.recordShift(document.registerId, organisationId, outcome.result);
    return recorded;
  }

  /** A result that changed nothing: why, logged and announced (for /metrics), and the document as it is. */
  private async ignored(
    result: ResultEnvelope,
    status: 'done' | 'failed' | 'inDoubt',
  ): Promise<RecordedResult> {
    const row = await this.prisma.fiscalDocument.findUnique({
      where: { commandId: result.commandId },
      select: {
        id: true,
        registerId: true,
        status: true,
        answer: true,
        fiscalId: true,
        resolvedAt: true,
        agentId: true,
        register: { select: { agentId: true } },
      },
    });
    const fiscalId = result.outcome.ok ? (result.outcome.result.fiscalId ?? null) : null;
    const reason: IgnoredResultReason = !row
      ? 'unknownCommand'
      : row.registerId !== result.registerId || (row.agentId ?? row.register.agentId) !== result.agentId
        ? 'notOwner'
        : row.resolvedAt
          ? 'resolved'
          : row.status === status && (status !== 'done' || row.fiscalId === fiscalId)
            ? 'duplicate'
            : 'final';
    const context = {
      reason,
      commandId: result.commandId,
      agentId: result.agentId,
      registerId: result.registerId,
      resultStatus: result.status,
      ...(row ? { documentId: row.id, documentStatus: row.status } : {}),
    };
    if (reason === 'duplicate') this.logger?.debug(context, 'result ignored: the document already has it');
    else if (reason === 'resolved')
      this.logger?.info(context, 'result ignored: an operator already decided this document');
    else this.logger?.warn(context, 'result ignored: it may not change this document');
    this.events.emit('result.ignored', { reason, commandId: result.commandId, agentId: result.agentId });
    // Whoever is waiting for this command learns the document as it stands — never from a stranger.
    return reason === 'notOwner' || !row
      ? { applied: false, reason }
      : { applied: false, reason, status: row.status, answer: (row.answer as SaleAnswer | null) ?? null };
  }

  /**
   * The agent's list of commands in doubt (every heartbeat): their documents become `inDoubt` with
   * the evidence so far — only this agent's documents (of registers it serves), only while pending
   * or in doubt, and only when something changed (a steady heartbeat writes nothing). Announced live.
   */
  async recordDoubts(agentId: string, entries: CommandInDoubt[]): Promise<number> {
    if (entries.length === 0) return 0;
    const list = JSON.stringify(
      entries.map((entry) => ({
        commandId: entry.commandId,
        registerId: entry.registerId,
        since: entry.since,
        attempts: entry.attempts,
        evidence: redactKeysDeep(entry.evidence),
        needs: entry.needs ?? null,
      })),
    );
    const rows = await this.prisma.$queryRaw<{ id: string; registerId: string; kind: string }[]>`
      UPDATE "FiscalDocument" d SET
        "status" = 'inDoubt',
        "doubtSince" = COALESCE(d."doubtSince", x.since AT TIME ZONE 'UTC'),
        "doubtAttempts" = x.attempts, "doubtEvidence" = x.evidence, "doubtNeeds" = x.needs,
        "doubtUpdatedAt" = ${new Date()}
      FROM jsonb_to_recordset(${list}::jsonb)
             AS x("commandId" text, "registerId" text, since timestamptz, attempts int, evidence jsonb, needs text),
           "Register" r
      WHERE d."commandId" = x."commandId" AND d."registerId" = x."registerId"
        AND r.id = d."registerId" AND ${ownedBy(agentId)}
        AND d."status" IN ('pending', 'inDoubt')
        AND (d."status" <> 'inDoubt' OR d."doubtAttempts" IS DISTINCT FROM x.attempts
             OR d."doubtEvidence" IS DISTINCT FROM x.evidence OR d."doubtNeeds" IS DISTINCT FROM x.needs)
      RETURNING d.id, d."registerId", d.kind`;
    for (const row of rows) {
      const organisationId = (await this.directory.find(row.registerId))?.organisationId;
      if (!organisationId) continue;
      this.events.emit('document.changed', {
        organisationId,
        registerId: row.registerId,
        documentId: row.id,
        status: 'inDoubt',
        kind: row.kind,
      });
    }
    return rows.length;
  }

  /** Documents in doubt right now (the /metrics gauge). */
  countInDoubt(): Promise<number> {
    return this.prisma.fiscalDocument.count({ where: { status: 'inDoubt' } });
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
