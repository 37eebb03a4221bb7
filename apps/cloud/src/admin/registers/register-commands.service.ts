import {
  ConflictException,
  GatewayTimeoutException,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
} from '@nestjs/common';
import type { commandAnswer, Data, deviceOperatorView, RegisterCommand } from '@kassa-relay/admin-api';
import type { CanonicalCommandInput, CanonicalError, CommandResult } from '@kassa-relay/protocol';
import type { CloudConfig } from '../../config/cloud-config';
import { CLOUD_CONFIG } from '../../core/tokens';
import { resultDocumentStatus } from '../../documents/document-ledger';
import { Database } from '../../platform/database';
import { CommandDispatcher } from '../../commands/command-dispatcher';
import type { JwtClaims } from '../../security/secret-box';
import { AuditLog } from '../audit';
import type { RegisterRow } from './register-views';

type CommandAnswer = Data<typeof commandAnswer>;

export type RegisterReply =
  | { state: 'done'; documentId: string; result: CommandResult }
  | { state: 'failed'; documentId: string; error: CanonicalError }
  | { state: 'pending'; documentId: string }
  | { state: 'inDoubt'; documentId: string };

const errorView = (error: CanonicalError): NonNullable<CommandAnswer['error']> => ({
  code: error.code,
  message: error.message,
  ...(error.device
    ? {
        device: {
          code: error.device.code,
          text: error.device.text,
          ...(error.device.constant ? { constant: error.device.constant } : {}),
        },
      }
    : {}),
});

/** 409 with the canonical error, as the dashboard reads it (`error.code`). */
function agentOffline(message: string): ConflictException {
  return new ConflictException({
    statusCode: 409,
    message,
    error: { code: 'AGENT_OFFLINE', message, retryable: true },
  });
}

/**
 * Office commands to one register, through its store agent. Every command becomes a fiscal document
 * (the dispatcher records it before publishing), origin `admin` with the admin's e-mail.
 */
@Injectable()
export class RegisterCommands {
  constructor(
    private readonly database: Database,
    private readonly commands: CommandDispatcher,
    private readonly audit: AuditLog,
    @Inject(CLOUD_CONFIG) private readonly config: CloudConfig,
  ) {}

  /**
   * Sends one command and waits for the register (up to KASSA_POS_WAIT_MS). An offline agent is
   * refused with 409 before anything is recorded: an office command is not queued blindly.
   */
  async send(
    admin: JwtClaims,
    register: RegisterRow,
    command: CanonicalCommandInput,
  ): Promise<RegisterReply> {
    if (!register.agentId)
      throw agentOffline(`register ${register.name} has no store agent yet: enroll the store's agent first`);
    if (!(await this.commands.isOnline(register.agentId)))
      throw agentOffline(`the store agent of register ${register.name} is offline`);
    const outcome = await this.commands.issue(
      register.agentId,
      register.id,
      command,
      { deadlineMs: this.config.commandDeadlineMs, origin: { channel: 'admin', actor: admin.email } },
      this.config.posWaitMs,
    );
    const commandId = outcome.state === 'pending' ? outcome.commandId : outcome.result.commandId;
    // The dispatcher stored the result before answering: the document already shows it.
    const document = await this.database.prisma.fiscalDocument.findUniqueOrThrow({
      where: { commandId },
      select: { id: true, status: true },
    });
    const documentId = document.id;
    // In doubt (the agent's heartbeat said so, or an older agent's RESULT_UNKNOWN): not a failure.
    if (document.status === 'inDoubt') return { state: 'inDoubt', documentId };
    if (outcome.state === 'pending') return { state: 'pending', documentId };
    if (resultDocumentStatus(outcome.result) === 'inDoubt') return { state: 'inDoubt', documentId };
    const answer = outcome.result.outcome;
    return answer.ok
      ? { state: 'done', documentId, result: answer.result }
      : { state: 'failed', documentId, error: answer.error };
  }

  async run(admin: JwtClaims, register: RegisterRow, command: RegisterCommand): Promise<CommandAnswer> {
    const reply = await this.send(admin, register, command);
    await this.audit.record(admin, 'register.command', register.id, {
      type: command.type,
      ...('amount' in command ? { amount: command.amount } : {}),
      documentId: reply.documentId,
      status: reply.state,
    });
    if (reply.state === 'pending' || reply.state === 'inDoubt')
      return { documentId: reply.documentId, status: reply.state };
    if (reply.state === 'failed')
      return { documentId: reply.documentId, status: 'failed', error: errorView(reply.error) };
    const { image: _image, ...result } = reply.result;
    return { documentId: reply.documentId, status: 'done', result };
  }

  /** The operators the device itself lists (`operators.list`). */
  async deviceOperators(admin: JwtClaims, register: RegisterRow): Promise<Data<typeof deviceOperatorView>[]> {
    const reply = this.expectDone(await this.send(admin, register, { type: 'operators.list' }));
    return (reply.result.operators ?? []).map((operator) => ({
      code: operator.code ?? null,
      name: operator.name,
      role: operator.role,
    }));
  }

  /** A read whose answer the caller needs now: a refusal or silence becomes an HTTP error. */
  expectDone(reply: RegisterReply): Extract<RegisterReply, { state: 'done' }> {
    if (reply.state === 'done') return reply;
    if (reply.state === 'pending' || reply.state === 'inDoubt')
      throw new GatewayTimeoutException(
        `the register did not answer within ${Math.round(this.config.posWaitMs / 1000)} s (document ${reply.documentId})`,
      );
    const status = reply.error.code === 'NOT_FOUND' ? HttpStatus.NOT_FOUND : HttpStatus.BAD_GATEWAY;
    throw new HttpException(
      { statusCode: status, message: reply.error.message, error: errorView(reply.error) },
      status,
    );
  }
}
