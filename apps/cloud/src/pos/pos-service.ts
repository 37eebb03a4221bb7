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
import type { CommandDispatcher, CommandOutcome } from '../commands/command-dispatcher';
import type { RegisterRoute } from './register-route';
import type { SaleDocument, SaleDocumentStore } from './sale-document-store';

export interface PosServiceOptions {
  /**
   * How long a POS request waits for the register before answering "still in progress"; for a
   * command without an idempotency key it is also its start window (its deadline).
   */
  waitMs: number;
  /**
   * A command without an idempotency key may have started within its start window: its answer
   * waits this much longer for the outcome (driver timeout plus reconciliation), so the client is
   * never told "error" about a receipt that is still printing. Default 60 s.
   */
  resultWaitMs?: number;
  /** How long the agent may still start a command after it was issued. */
  deadlineMs: number;
}

/**
 * The command id for a `/sale` idempotency key within its scope (the store; a register for routes
 * without one): a cloud restart re-sends the same id, which the agent deduplicates.
 */
export const saleCommandId = (scope: string, idempotencyKey: string): string =>
  `${SALE_COMMAND_PREFIX}${createHash('sha256').update(`${scope}|${idempotencyKey}`).digest('hex').slice(0, 40)}`;

/** Seed 001's uniqueness scope of a route: its store (failover to a sibling register finds the document). */
const saleScope = (route: RegisterRoute): string =>
  route.storeId ? `store:${route.storeId}` : route.registerId;

/** How often a long wait for an unkeyed command's outcome looks whether it went in doubt. */
const RESULT_WAIT_SLICE_MS = 1_000;

const INTERNAL_TEXT = 'внутренняя ошибка облака, операция не выполнена; повторите запрос позже';
/** Seed 001 code 5 for a keyed document still running: not final, never to be fiscalized again. */
export const STILL_RUNNING_TEXT =
  'документ ещё фискализируется: НЕ фискализируйте документ повторно — повторите этот же запрос (тот же docTime, docNumber и amount), чтобы получить результат';
/** Seed 003 has no call that prints a copy of a document: a repeat or a reprint request says so. */
const CASH_CORE_NO_COPY_TEXT =
  'копия не напечатана: кассовое ядро не умеет печатать копию документа (в его API нет такого вызова); документ фискализирован — используйте сохранённые fiscalID, fiscalNum и checkNum';
/**
 * A command without a key that may have started and whose outcome did not come within the result
 * wait: not final, and a repeat would be a new document.
 */
const UNKEYED_UNKNOWN_TEXT =
  'результат операции ещё не известен (касса не ответила): НЕ выполняйте операцию повторно — результат будет виден в панели управления';
/** The start window of a command without a key passed before the agent began it: true forever (the agent expires it). */
const notStartedText = (waitMs: number) =>
  `операция не выполнена: касса не начала её за ${Math.round(waitMs / 1000)} с; её можно повторить`;

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
 * POS protocols on top of the command dispatcher: seed 000 WS frames and seed 001 `/sale`. Bad input is
 * answered in the protocol's own words and never reaches a register.
 */
export class PosService {
  constructor(
    private readonly commands: CommandDispatcher,
    private readonly store: SaleDocumentStore,
    private readonly options: PosServiceOptions,
  ) {}

  private offline(agentId: string, queued: boolean): CanonicalError {
    return canonicalError(
      'AGENT_OFFLINE',
      queued
        ? `агент магазина (${agentId}) не в сети: документ будет фискализирован, когда он вернётся — НЕ фискализируйте его повторно; повторите этот же запрос, чтобы получить результат`
        : `агент магазина (${agentId}) не в сети; операция не выполнена`,
    );
  }

  /**
   * A command without a document key (WS frames, reprints, /sale without docTime). A repeat of it
   * would be a new command, so it must never outlive its answer: it may only *start* within the
   * POS wait (its deadline; past it the agent expires it and says so — "not performed" for good),
   * and once it may have started the answer waits for its outcome, bounded by `resultWaitMs`.
   */
  private async dispatch(
    route: RegisterRoute,
    command: CanonicalCommand,
    actor: string,
    channel: 'ws' | 'sale',
  ): Promise<CommandOutcome> {
    const first = await this.commands.issue(
      route.agentId,
      route.registerId,
      command,
      { deadlineMs: this.options.waitMs, origin: { channel, actor } },
      this.options.waitMs,
    );
    if (first.state !== 'pending') return first;
    // Past its start window: it either expired unstarted (the agent says so at once) or runs. Wait
    // for the outcome in slices, and stop as soon as the agent reports the command in doubt (its
    // outcome then waits for reconciliation, which may take minutes: the answer says so).
    const until = Date.now() + (this.options.resultWaitMs ?? 60_000);
    while (Date.now() < until) {
      if ((await this.store.statusOf?.(first.commandId)) === 'inDoubt') return first;
      const slice = Math.min(RESULT_WAIT_SLICE_MS, until - Date.now());
      const result = await this.commands.waitForResult(route.agentId, first.commandId, Math.max(1, slice));
      if (result) return { state: 'completed', result };
    }
    return first;
  }

  /** A result that says the command never started (its start window passed): its own wording. */
  private notStarted(result: ResultEnvelope): CanonicalError | undefined {
    if (result.status !== 'expired') return undefined;
    return canonicalError('DEADLINE_EXCEEDED', notStartedText(this.options.waitMs));
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
    if (!(await this.commands.isOnline(route.agentId)))
      return wsErrorAnswer(request.event, this.offline(route.agentId, false));
    const outcome = await this.dispatch(route, converted.value, actor, 'ws');
    if (outcome.state === 'pending') {
      const inDoubt = (await this.store.statusOf?.(outcome.commandId)) === 'inDoubt';
      return wsErrorAnswer(
        request.event,
        canonicalError(
          'IN_PROGRESS',
          inDoubt
            ? inDoubtWsText(outcome.commandId)
            : `${UNKEYED_UNKNOWN_TEXT} (команда ${outcome.commandId})`,
        ),
      );
    }
    // An older agent's RESULT_UNKNOWN is a doubt too: not final, not to be repeated.
    if (resultDocumentStatus(outcome.result) === 'inDoubt')
      return wsErrorAnswer(
        request.event,
        canonicalError('IN_PROGRESS', inDoubtWsText(outcome.result.commandId)),
      );
    const notStarted = this.notStarted(outcome.result);
    if (notStarted) return wsErrorAnswer(request.event, notStarted);
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
      // The cash core cannot print a copy (seed 003): a receipt the ledger knows is answered with
      // its fiscal data and printError; any other goes to the register, which says whether it exists.
      if (route.kind === 'cash-core') {
        const stored = await this.store.receiptAnswer?.(
          route.registerId,
          converted.command.document.fiscalId,
        );
        if (stored) return { ...stored, printError: 1, message: CASH_CORE_NO_COPY_TEXT };
      }
      const reference = await this.reprintReference(route, converted.command.document.fiscalId);
      if (!reference.ok) return saleAnswerForError(reference.error);
      converted.command.document = reference.document;
    }
    const key = converted.command.type === 'receipt' ? saleIdempotencyKey(parsed.request) : undefined;
    if (!key) {
      // No docTime, no uniqueness control (seed 001): never queued blindly for an offline agent.
      if (!(await this.commands.isOnline(route.agentId)))
        return saleAnswerForError(this.offline(route.agentId, false));
      return this.runSale(route, converted.command, actor);
    }
    // Insert first: a new document (the usual case) costs one statement before it is published.
    const envelope = this.envelope(route, converted.command, actor, saleCommandId(saleScope(route), key));
    const pending = await store.createPending(
      {
        idempotencyKey: key,
        commandId: envelope.id,
        registerId: route.registerId,
        agentId: route.agentId,
        ...(route.storeId ? { storeId: route.storeId } : {}),
      },
      envelope,
    );
    if (!pending.created) return this.repeat(route, pending.document, converted.command, actor);
    return this.publishSale(route, envelope);
  }

  private envelope(route: RegisterRoute, command: CanonicalCommand, actor: string, id: string) {
    return this.commands.envelope(route.registerId, command, {
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
    if (existing.status === 'done' && existing.answer?.code === 0 && existing.registerId !== route.registerId)
      // Fiscalized on a sibling register (the client failed over): its answer, no second receipt;
      // a copy can only come from the register that printed it.
      return {
        ...existing.answer,
        printError: 1,
        message: `документ уже фискализирован на другой кассе магазина (${existing.registerId}); копия не напечатана`,
      };
    if (existing.status === 'done' && existing.answer?.code === 0) {
      // Seed 001: a repeat of a fiscalized document prints a copy. Wherever no copy can be printed,
      // the stored answer still comes back (same fiscalID) with `printError` and the reason.
      const fiscalId = existing.answer.fiscalID ?? existing.fiscalId;
      if (!fiscalId)
        return {
          ...existing.answer,
          printError: 1,
          message: 'копия не напечатана: у документа нет фискального признака',
        };
      if (!(await this.commands.isOnline(route.agentId)))
        return {
          ...existing.answer,
          printError: 1,
          message: `копия не напечатана: агент магазина (${route.agentId}) не в сети`,
        };
      // Seed 003 has no call that prints a copy of an existing document (the core can only render
      // its image): nothing is sent, and the client is told so.
      if (route.kind === 'cash-core')
        return { ...existing.answer, printError: 1, message: CASH_CORE_NO_COPY_TEXT };
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
        saleCommandId(saleScope(route), `${existing.idempotencyKey}#${randomUUID()}`),
      );
      if (await this.store.restart(existing.commandId, envelope, route.agentId))
        return this.publishSale(route, envelope);
    }
    // Still running, perhaps on a sibling register's agent: wait on the agent it was sent to.
    return this.answerExisting(existing.agentId ?? route.agentId, existing.commandId, existing.answer);
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
    agentId: string,
    commandId: string,
    stored: SaleAnswer | undefined,
  ): Promise<SaleAnswer> {
    if (stored) return stored;
    // Queued for an agent that is away: waiting would only end in "still in progress".
    if (!(await this.commands.isOnline(agentId))) return saleAnswerForError(this.offline(agentId, true));
    const late = await this.commands.waitForResult(agentId, commandId, this.options.waitMs);
    if (!late) return this.notYetAnswer(commandId);
    // The dispatcher stored it before handing it over: the client's next repeat finds it complete.
    return this.saleAnswer(late);
  }

  /** The wait is over without a result: still running, or in doubt (the agent's heartbeat said so). */
  private async notYetAnswer(commandId: string, keyed = true): Promise<SaleAnswer> {
    if ((await this.store.statusOf?.(commandId)) === 'inDoubt') return inDoubtSaleAnswer(keyed);
    return saleAnswerForError(
      canonicalError('IN_PROGRESS', keyed ? STILL_RUNNING_TEXT : UNKEYED_UNKNOWN_TEXT),
    );
  }

  /**
   * The answer for a result, taken from the result itself (the dispatcher stored it before anyone heard
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
    const notStarted = this.notStarted(outcome.result);
    if (notStarted) return saleAnswerForError(notStarted);
    const answer = commandOutcomeToSaleAnswer(outcome.result.outcome);
    // A reprint on the cash core finds the document (its fiscal data comes back) but prints nothing.
    if (command.type === 'receipt.reprint' && route.kind === 'cash-core' && answer.code === 0)
      return { ...answer, printError: 1, message: CASH_CORE_NO_COPY_TEXT };
    return answer;
  }

  /**
   * Publishes a recorded `/sale` document and answers with its result once the result is stored
   * (the dispatcher stores every result before it hands it over). Offline: the broker keeps the command in
   * the agent's persistent session and its deadline guards it.
   */
  private async publishSale(route: RegisterRoute, envelope: CommandEnvelope): Promise<SaleAnswer> {
    const online = await this.commands.isOnline(route.agentId);
    const outcome = await this.commands.publishRecorded(
      route.agentId,
      envelope,
      online ? this.options.waitMs : 0,
    );
    if (outcome.state === 'pending')
      return online ? this.notYetAnswer(envelope.id) : saleAnswerForError(this.offline(route.agentId, true));
    return this.saleAnswer(outcome.result);
  }
}
