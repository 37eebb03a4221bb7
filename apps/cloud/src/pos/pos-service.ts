import { createHash, randomUUID } from 'node:crypto';
import {
  canonicalError,
  type CanonicalCommand,
  type CanonicalError,
  type CommandEnvelope,
  commandOutcomeToSaleAnswer,
  commandOutcomeToWsAnswer,
  describeError,
  type DocumentRef,
  parseSaleRequest,
  parseWsRequest,
  type ResultEnvelope,
  saleAnswerForError,
  type SaleAnswer,
  saleIdempotencyKey,
  saleRequestToCommand,
  type WsAnswerFrame,
  type WsErrorAnswer,
  wsErrorAnswer,
  wsRequestToCommand,
} from '@kassa-relay/protocol';
import { resultDocumentStatus, SALE_COMMAND_PREFIX } from '../documents/document-ledger';
import type { CommandRelay, RelayOutcome } from '../relay/command-relay';
import type { RegisterRoute } from './register-route';
import type { SaleDocument, SaleDocumentStore } from './sale-document-store';

export interface PosServiceOptions {
  /** How long a POS request waits for the register before answering "still in progress". */
  waitMs: number;
  /** How long the agent may still start a command after it was issued. */
  deadlineMs: number;
}

/** The command id for a `/sale` idempotency key: a cloud restart re-sends the same id, which the agent deduplicates. */
export const saleCommandId = (registerId: string, idempotencyKey: string): string =>
  `${SALE_COMMAND_PREFIX}${createHash('sha256').update(`${registerId}|${idempotencyKey}`).digest('hex').slice(0, 40)}`;

const INTERNAL_TEXT = 'внутренняя ошибка облака, операция не выполнена; повторите запрос позже';
const STILL_RUNNING_TEXT = 'документ ещё фискализируется, повторите запрос позже';

/**
 * A `/sale` document in doubt: the fiscal call reached the register and it is not yet proven whether
 * it printed. Not final: the client must not fiscalize the document again, only repeat this same
 * request (same docTime, docNumber, amount) later — that repeat never opens a new command.
 */
export const IN_DOUBT_SALE_TEXT =
  'результат документа проверяется на кассе: НЕ фискализируйте документ повторно — повторите этот же запрос (тот же docTime, docNumber и amount) позже, чтобы получить результат';
/** The same for a `/sale` without docTime: a repeat would be a new document, so it must not be repeated. */
const IN_DOUBT_SALE_UNKEYED_TEXT =
  'результат документа проверяется на кассе: НЕ фискализируйте документ повторно — запрос без docTime при повторе станет новым документом; результат будет виден в панели управления';
/** Seed 000: the in-progress error for a command in doubt (WS frames carry no idempotency key). */
const inDoubtWsText = (commandId: string) =>
  `результат операции проверяется на кассе (команда ${commandId}): НЕ выполняйте операцию повторно — результат будет виден в панели управления`;

/** Seed 001 code 5 for a document in doubt. */
export const inDoubtSaleAnswer = (keyed = true): SaleAnswer =>
  saleAnswerForError(canonicalError('IN_PROGRESS', keyed ? IN_DOUBT_SALE_TEXT : IN_DOUBT_SALE_UNKEYED_TEXT));

/**
 * The answer to a frame whose handling failed inside the cloud (e.g. the database is away): the
 * protocol's INTERNAL error under the frame's own event, so the client is never left waiting.
 */
export function wsInternalErrorAnswer(raw: string | Buffer): WsErrorAnswer {
  const parsed = parseWsRequest(raw);
  const event = parsed.ok ? parsed.request.event : parsed.answer.event.replace(/^on/, '');
  return wsErrorAnswer(event === 'error' ? undefined : event, canonicalError('INTERNAL', INTERNAL_TEXT));
}

/** Seed 001 code 5 for a `/sale` whose handling failed inside the cloud: never an HTTP 500. */
export const saleInternalErrorAnswer = (): SaleAnswer =>
  saleAnswerForError(canonicalError('INTERNAL', INTERNAL_TEXT));

/**
 * POS protocols on top of the relay: seed 000 WS frames and seed 001 `/sale`. Bad input is
 * answered in the protocol's own words and never reaches a register.
 */
export class PosService {
  constructor(
    private readonly relay: CommandRelay,
    private readonly store: SaleDocumentStore,
    private readonly options: PosServiceOptions,
  ) {}

  private offline(route: RegisterRoute, queued: boolean): CanonicalError {
    return canonicalError(
      'AGENT_OFFLINE',
      queued
        ? `агент магазина (${route.agentId}) не в сети: документ будет фискализирован, когда он вернётся; повторите запрос, чтобы получить результат`
        : `агент магазина (${route.agentId}) не в сети`,
    );
  }

  /** A command without a document key (WS frames, reprints, /sale without docTime): sent and awaited. */
  private dispatch(
    route: RegisterRoute,
    command: CanonicalCommand,
    actor: string,
    channel: 'ws' | 'sale',
  ): Promise<RelayOutcome> {
    return this.relay.send(
      route.agentId,
      route.registerId,
      command,
      { deadlineMs: this.options.deadlineMs, origin: { channel, actor } },
      this.options.waitMs,
    );
  }

  /** One WS text frame → one seed 000 answer. */
  async handleWsFrame(
    route: RegisterRoute,
    raw: string | Buffer,
    actor: string,
  ): Promise<WsAnswerFrame | WsErrorAnswer> {
    const parsed = parseWsRequest(raw);
    if (!parsed.ok) return parsed.answer;
    const request = parsed.request;
    const converted = wsRequestToCommand(request, { taxTable: route.taxTable });
    if (!converted.ok) return wsErrorAnswer(request.event, converted.error);
    // WS frames carry no idempotency key: nothing is queued for an offline agent.
    if (!this.relay.isOnline(route.agentId)) return wsErrorAnswer(request.event, this.offline(route, false));
    const outcome = await this.dispatch(route, converted.value, actor, 'ws');
    if (outcome.state === 'pending') {
      const inDoubt = (await this.store.statusOf?.(outcome.commandId)) === 'inDoubt';
      return wsErrorAnswer(
        request.event,
        canonicalError(
          'IN_PROGRESS',
          inDoubt
            ? inDoubtWsText(outcome.commandId)
            : `операция ещё выполняется (команда ${outcome.commandId})`,
        ),
      );
    }
    // An older agent's RESULT_UNKNOWN is a doubt too: not final, not to be repeated.
    if (resultDocumentStatus(outcome.result) === 'inDoubt')
      return wsErrorAnswer(
        request.event,
        canonicalError('IN_PROGRESS', inDoubtWsText(outcome.result.commandId)),
      );
    return commandOutcomeToWsAnswer(request, outcome.result.outcome, route.identity);
  }

  /**
   * `POST /sale`. Seed 001: with `docTime`, the register + docTime + docNumber + amount is unique.
   * A repeat of a fiscalized document is reprinted (never fiscalized again) and answers the stored
   * answer — the same fiscalID; a repeat of one still running waits for it; a repeat of one in
   * doubt is told to ask again later (never re-sent); only a repeat of one proven not made (the
   * register refused it, it expired unstarted, an operator decided it was not printed) is a new
   * attempt.
   */
  async handleSale(route: RegisterRoute, body: string | Buffer, actor: string): Promise<SaleAnswer> {
    const store = this.store;
    const parsed = parseSaleRequest(body);
    if (!parsed.ok) return parsed.answer;
    const converted = saleRequestToCommand(parsed.request, { paymentKinds: route.paymentKinds });
    if (!converted.ok) return converted.answer;
    if (converted.command.type === 'receipt.reprint' && 'fiscalId' in converted.command.document) {
      const reference = await this.reprintReference(route, converted.command.document.fiscalId);
      if (!reference.ok) return saleAnswerForError(reference.error);
      converted.command.document = reference.document;
    }
    const key = converted.command.type === 'receipt' ? saleIdempotencyKey(parsed.request) : undefined;
    if (!key) {
      // No docTime, no uniqueness control (seed 001): never queued blindly for an offline agent.
      if (!this.relay.isOnline(route.agentId)) return saleAnswerForError(this.offline(route, false));
      return this.runSale(route, converted.command, actor);
    }
    // Insert first: a new document (the usual case) costs one statement before it is published.
    const envelope = this.envelope(route, converted.command, actor, saleCommandId(route.registerId, key));
    const pending = await store.createPending(
      { idempotencyKey: key, commandId: envelope.id, registerId: route.registerId, agentId: route.agentId },
      envelope,
    );
    if (!pending.created) return this.repeat(route, pending.document, converted.command, actor);
    return this.publishSale(route, envelope);
  }

  private envelope(route: RegisterRoute, command: CanonicalCommand, actor: string, id: string) {
    return this.relay.envelope(route.registerId, command, {
      id,
      deadlineMs: this.options.deadlineMs,
      origin: { channel: 'sale', actor },
    });
  }

  private async repeat(
    route: RegisterRoute,
    existing: SaleDocument,
    command: CanonicalCommand,
    actor: string,
  ): Promise<SaleAnswer> {
    // Sent, and not proven either way: sending it again could print it twice.
    if (existing.status === 'inDoubt') return inDoubtSaleAnswer();
    if (existing.status === 'done' && existing.answer?.code === 0) {
      const fiscalId = existing.answer.fiscalID ?? existing.fiscalId;
      if (!fiscalId || !this.relay.isOnline(route.agentId)) return existing.answer;
      const reference = await this.reprintReference(route, fiscalId);
      if (!reference.ok)
        return { ...existing.answer, printError: 1, message: describeError(reference.error) };
      // "повторная печать без фискализации": a copy, not a new receipt.
      const reprint = await this.dispatch(
        route,
        { type: 'receipt.reprint', document: reference.document },
        actor,
        'sale',
      );
      if (reprint.state === 'pending')
        return { ...existing.answer, printError: 1, message: 'копия чека ещё не напечатана' };
      const outcome = reprint.result.outcome;
      if (outcome.ok) return existing.answer;
      // Still the fiscalized document's answer: only the copy failed, and the client learns why.
      const printError = Math.abs(outcome.error.device?.code ?? 1) || 1;
      return { ...existing.answer, printError, message: describeError(outcome.error) };
    }
    if (existing.status === 'failed' && existing.answer && this.store.restart) {
      // Proven not made (the register refused it, it expired unstarted, an operator decided it was
      // not printed): the client's retry is a new attempt under a new command id (the old id would
      // be answered from the agent's journal). Pending and in-doubt documents never get here.
      const envelope = this.envelope(
        route,
        command,
        actor,
        saleCommandId(route.registerId, `${existing.idempotencyKey}#${randomUUID()}`),
      );
      if (
        await this.store.restart(
          route.registerId,
          existing.idempotencyKey,
          existing.commandId,
          envelope,
          route.agentId,
        )
      )
        return this.publishSale(route, envelope);
    }
    return this.answerExisting(route, existing.commandId, existing.answer);
  }

  /**
   * What the register prints a copy from. The iKKM web-api reprints only its last receipt
   * (`/apicheck/printLastDocument`), so the ledger decides whether the document is that one; a
   * cash core finds any document by its fiscal id itself.
   */
  private async reprintReference(
    route: RegisterRoute,
    fiscalId: string,
  ): Promise<{ ok: true; document: DocumentRef } | { ok: false; error: CanonicalError }> {
    if (route.kind !== 'ikkm' || !this.store.receiptPosition) return { ok: true, document: { fiscalId } };
    const position = await this.store.receiptPosition(route.registerId, fiscalId);
    if (position === 'latest') return { ok: true, document: { last: true } };
    if (position === 'older')
      return {
        ok: false,
        error: canonicalError(
          'NOT_SUPPORTED',
          `iKKM печатает копию только последнего чека, а после документа ${fiscalId} были другие`,
        ),
      };
    return {
      ok: false,
      error: canonicalError('NOT_FOUND', `чек ${fiscalId} не найден среди документов этой кассы`),
    };
  }

  /** A repeat: the stored answer (same fiscalID), or the running document's result when it comes. */
  private async answerExisting(
    route: RegisterRoute,
    commandId: string,
    stored: SaleAnswer | undefined,
  ): Promise<SaleAnswer> {
    if (stored) return stored;
    // Queued for an agent that is away: waiting would only end in "still in progress".
    if (!this.relay.isOnline(route.agentId)) return saleAnswerForError(this.offline(route, true));
    const late = await this.relay.waitForResult(commandId, this.options.waitMs, route.agentId);
    if (!late) return this.notYetAnswer(commandId);
    // The relay stored it before handing it over: the client's next repeat finds it complete.
    return this.saleAnswer(late);
  }

  /** The wait is over without a result: still running, or in doubt (the agent's heartbeat said so). */
  private async notYetAnswer(commandId: string, keyed = true): Promise<SaleAnswer> {
    if ((await this.store.statusOf?.(commandId)) === 'inDoubt') return inDoubtSaleAnswer(keyed);
    return saleAnswerForError(canonicalError('IN_PROGRESS', STILL_RUNNING_TEXT));
  }

  /**
   * The answer for a result, taken from the result itself (the relay stored it before anyone heard
   * of it; a database blip afterwards cannot turn a printed receipt into "not performed"); in doubt
   * is never a final answer.
   */
  private saleAnswer(result: ResultEnvelope, keyed = true): SaleAnswer {
    if (resultDocumentStatus(result) === 'inDoubt') return inDoubtSaleAnswer(keyed);
    return commandOutcomeToSaleAnswer(result.outcome);
  }

  /** A `/sale` without docTime: no document key, so nothing to record first or to queue. */
  private async runSale(route: RegisterRoute, command: CanonicalCommand, actor: string): Promise<SaleAnswer> {
    const outcome = await this.dispatch(route, command, actor, 'sale');
    if (outcome.state === 'pending') return this.notYetAnswer(outcome.commandId, false);
    if (resultDocumentStatus(outcome.result) === 'inDoubt') return inDoubtSaleAnswer(false);
    return commandOutcomeToSaleAnswer(outcome.result.outcome);
  }

  /**
   * Publishes a recorded `/sale` document and answers with its result once the result is stored
   * (the relay stores every result before it hands it over). Offline: the broker keeps the command in
   * the agent's persistent session and its deadline guards it.
   */
  private async publishSale(route: RegisterRoute, envelope: CommandEnvelope): Promise<SaleAnswer> {
    const online = this.relay.isOnline(route.agentId);
    const outcome = await this.relay.publish(route.agentId, envelope, online ? this.options.waitMs : 0);
    if (outcome.state === 'pending')
      return online ? this.notYetAnswer(envelope.id) : saleAnswerForError(this.offline(route, true));
    return this.saleAnswer(outcome.result);
  }
}
