import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import type { Logger } from 'pino';
import type {
  Data,
  documentDetails,
  documentPage,
  documentView,
  listDocumentsQuery,
  resolveAnswer,
  resolveCommandView,
  resolveDocumentBody,
} from '@kassa-relay/admin-api';
import {
  canonicalError,
  type CommandResult,
  commandOutcomeToSaleAnswer,
  type CommandType,
  type DocumentRef,
  type DoubtEvidence,
  saleAnswerForError,
} from '@kassa-relay/protocol';
import type { CloudConfig } from '../../config/cloud-config';
import { CLOUD_CONFIG, LOGGER } from '../../core/tokens';
import { SALE_COMMAND_PREFIX } from '../../documents/document-ledger';
import { moneyOut } from '../../documents/money';
import { Prisma } from '../../generated/prisma/client';
import { CloudEvents } from '../../platform/cloud-events';
import { Database } from '../../platform/database';
import { CommandDispatcher } from '../../commands/command-dispatcher';
import type { JwtClaims } from '../../security/secret-box';
import { AuditLog } from '../audit';
import { decodeCursor, toPage } from '../keyset';
import { RegisterCommands } from '../registers/register-commands.service';
import { registerInclude } from '../registers/register-views';

/** How long the agent may still start a `command.resolve`: an agent away for days still gets it. */
const RESOLVE_DEADLINE_MS = 7 * 24 * 3_600_000;
/** How long the resolve call waits for the agent to confirm (it does not call the register). */
const RESOLVE_WAIT_MS = 5_000;

/** The text of a document an operator decided was not made: the POS client may send it again. */
export const NOT_PERFORMED_BY_OPERATOR =
  'Оператор установил, что документ на кассе не выполнен (чек не напечатан); его можно отправить заново';

type ResolveDocumentBody = Data<typeof resolveDocumentBody>;
type ListDocumentsQuery = Data<typeof listDocumentsQuery>;
type DocumentView = Data<typeof documentView>;
type DocumentDetails = Data<typeof documentDetails>;

interface RegisterInfo {
  name: string;
  currency: 'KZT' | 'RUB';
  storeId: string;
  storeName: string;
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
  doubtSince: true,
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
    total: moneyOut(row.total),
    fiscalId: row.fiscalId,
    checkNumber: row.checkNumber,
    documentNumber: row.documentNumber,
    shiftNumber: row.shiftNumber,
    originChannel: row.originChannel,
    originActor: row.originActor,
    requestedAt: row.requestedAt,
    completedAt: row.completedAt,
    doubtSince: row.doubtSince,
  };
}

function doubtOf(row: {
  doubtSince: Date | null;
  doubtAttempts: number | null;
  doubtNeeds: string | null;
  doubtEvidence: unknown;
  doubtUpdatedAt: Date | null;
}): DocumentDetails['doubt'] {
  if (!row.doubtSince && !row.doubtEvidence) return null;
  return {
    since: row.doubtSince,
    attempts: row.doubtAttempts,
    needs: row.doubtNeeds === 'deviceKey' || row.doubtNeeds === 'operator' ? row.doubtNeeds : null,
    evidence: Array.isArray(row.doubtEvidence) ? (row.doubtEvidence as DoubtEvidence[]) : [],
    updatedAt: row.doubtUpdatedAt,
  };
}

function resolutionOf(row: {
  resolution: string | null;
  resolvedBy: string | null;
  resolvedAt: Date | null;
  resolutionNote: string | null;
}): DocumentDetails['resolution'] {
  if (!row.resolvedAt || !row.resolvedBy) return null;
  return {
    decision: row.resolution === 'done' ? 'done' : 'notDone',
    by: row.resolvedBy,
    at: row.resolvedAt,
    note: row.resolutionNote,
  };
}

function notInDoubt(id: string, status: string): ConflictException {
  const message = `document ${id} is ${status}, not in doubt: only a document in doubt can be resolved`;
  return new ConflictException({ statusCode: 409, message, error: { code: 'NOT_IN_DOUBT', message } });
}

/** The fiscal document ledger as the office reads it: every command sent to a register, newest first. */
@Injectable()
export class DocumentsService {
  constructor(
    private readonly database: Database,
    private readonly commands: RegisterCommands,
    private readonly dispatcher: CommandDispatcher,
    private readonly audit: AuditLog,
    private readonly events: CloudEvents,
    @Inject(CLOUD_CONFIG) private readonly config: CloudConfig,
    @Inject(LOGGER) private readonly logger: Logger,
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

  async list(admin: JwtClaims, query: ListDocumentsQuery): Promise<Data<typeof documentPage>> {
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

  async get(admin: JwtClaims, id: string): Promise<DocumentDetails> {
    const row = await this.findRow(admin, id);
    const register = row.register;
    return {
      ...toView(row, {
        name: register.name,
        currency: register.currency,
        storeId: register.storeId,
        storeName: register.store.name,
      }),
      // Written from the validated command envelope (`describeCommand`): the canonical lines.
      items: row.items as DocumentDetails['items'],
      payments: row.payments as DocumentDetails['payments'],
      change: moneyOut(row.change),
      qrPayload: row.qrPayload,
      error: row.error as DocumentDetails['error'],
      // Written by the ledger from the validated result (`scrubDeviceAnswer`).
      deviceAnswer: row.deviceAnswer as DocumentDetails['deviceAnswer'],
      deviceMs: row.deviceMs,
      doubt: doubtOf(row),
      resolution: resolutionOf(row),
    };
  }

  /**
   * An operator's decision on a document in doubt, for when the device can never tell: in one
   * transaction the document becomes final (done, or failed with NOT_PERFORMED) with who, when and
   * why, and the audit entry is written; then `command.resolve` goes to the document's agent (a
   * recorded command like any other) so it stops reconciling and releases the register's queue.
   * A device result that arrives later changes nothing (a final document never changes).
   */
  async resolve(
    admin: JwtClaims,
    id: string,
    body: ResolveDocumentBody,
  ): Promise<Data<typeof resolveAnswer>> {
    const row = await this.findRow(admin, id);
    if (row.status !== 'inDoubt') throw notInDoubt(id, row.status);
    if (body.decision === 'done' && row.kind === 'receipt' && !body.fiscalId)
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message:
          'fiscalId: a receipt decided done needs its fiscal id (from the paper receipt or the OFD), so that repeats of it answer with it',
      });
    const done = body.decision === 'done';
    const error = done ? null : canonicalError('NOT_PERFORMED', NOT_PERFORMED_BY_OPERATOR);
    const fiscalId = done ? (body.fiscalId ?? row.fiscalId) : row.fiscalId;
    // A /sale document keeps the answer its repeats get: the decided fiscal id, or "not made".
    const answer = row.commandId.startsWith(SALE_COMMAND_PREFIX)
      ? error
        ? saleAnswerForError(error)
        : commandOutcomeToSaleAnswer({
            ok: true,
            result: {
              type: row.kind as CommandType,
              ...(fiscalId ? { fiscalId } : {}),
              ...(row.checkNumber !== null ? { checkNumber: row.checkNumber } : {}),
              ...(row.documentNumber !== null ? { documentNumber: row.documentNumber } : {}),
            } as CommandResult,
          })
      : null;
    const now = new Date();
    await this.database.prisma.$transaction(async (tx) => {
      // Conditional: of two admins deciding at once, one wins and the other gets 409.
      const { count } = await tx.fiscalDocument.updateMany({
        where: { id: row.id, status: 'inDoubt' },
        data: {
          status: done ? 'done' : 'failed',
          completedAt: now,
          fiscalId,
          error: error ? (JSON.parse(JSON.stringify(error)) as Prisma.InputJsonValue) : Prisma.DbNull,
          ...(answer ? { answer: JSON.parse(JSON.stringify(answer)) as Prisma.InputJsonValue } : {}),
          resolution: body.decision,
          resolvedBy: admin.email,
          resolvedAt: now,
          resolutionNote: body.note,
        },
      });
      if (count !== 1) throw notInDoubt(id, 'already settled');
      await this.audit.record(
        admin,
        'document.resolve',
        row.id,
        {
          decision: body.decision,
          ...(body.fiscalId ? { fiscalId: body.fiscalId } : {}),
          note: body.note,
          commandId: row.commandId,
          registerId: row.registerId,
          kind: row.kind,
          doubtSince: row.doubtSince,
          doubtNeeds: row.doubtNeeds,
        },
        tx,
      );
    });
    this.events.emit('document.changed', {
      organisationId: admin.org,
      registerId: row.registerId,
      documentId: row.id,
      status: done ? 'done' : 'failed',
      kind: row.kind,
    });
    const resolveCommand = await this.sendResolve(admin, row, body);
    return { ...(await this.get(admin, id)), resolveCommand };
  }

  /** `command.resolve` to the register's agent, recorded like any command; queued when it is away. */
  private async sendResolve(
    admin: JwtClaims,
    row: {
      id: string;
      commandId: string;
      agentId: string | null;
      register: { id: string; agentId: string | null };
    },
    body: ResolveDocumentBody,
  ): Promise<Data<typeof resolveCommandView>> {
    // The agent that holds the command in doubt: the one it was published to.
    const agentId = row.agentId ?? row.register.agentId;
    if (!agentId) return { documentId: null, status: 'notSent' };
    try {
      const outcome = await this.dispatcher.issue(
        agentId,
        row.register.id,
        {
          type: 'command.resolve',
          commandId: row.commandId,
          decision: body.decision,
          ...(body.fiscalId ? { fiscalId: body.fiscalId } : {}),
          note: body.note,
        },
        {
          deadlineMs: Math.max(RESOLVE_DEADLINE_MS, this.config.commandDeadlineMs),
          origin: { channel: 'admin', actor: admin.email },
        },
        (await this.dispatcher.isOnline(agentId)) ? Math.min(RESOLVE_WAIT_MS, this.config.posWaitMs) : 0,
      );
      const commandId = outcome.state === 'pending' ? outcome.commandId : outcome.result.commandId;
      const document = await this.database.prisma.fiscalDocument.findUnique({
        where: { commandId },
        select: { id: true },
      });
      if (outcome.state === 'pending') return { documentId: document?.id ?? null, status: 'pending' };
      const result = outcome.result.outcome;
      return result.ok
        ? { documentId: document?.id ?? null, status: 'done' }
        : {
            documentId: document?.id ?? null,
            status: 'failed',
            error: { code: result.error.code, message: result.error.message },
          };
    } catch (failure) {
      // The decision stands; a recorded command goes out again when the agent comes back.
      this.logger.error(
        { err: failure as Error, documentId: row.id, agentId },
        'could not send command.resolve to the agent',
      );
      return { documentId: null, status: 'notSent' };
    }
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
