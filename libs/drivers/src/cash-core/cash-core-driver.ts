import {
  type CanonicalCommand,
  type CommandOutcome,
  type RegisterCapabilities,
  type RegisterHealth,
} from '@kassa-relay/protocol';
import type { ExecuteContext, ReconcileEntry, ReconcileVerdict, RegisterDriver } from '../register-driver';
import { CashCoreClient } from './cash-core-client';
import {
  type CashCoreEnv,
  documentImage,
  fail,
  lastZReport,
  listOperators,
  moneyPlacement,
  openShift,
  receipt,
  registerInfo,
  report,
  reprint,
  type Run,
  syncOperators,
} from './cash-core-commands';
import { CashCoreReads } from './cash-core-reads';
import { reconcileCashCore, type ReconcileSettings } from './cash-core-reconcile';
import {
  CASH_CORE_PAYMENT_KINDS,
  DEFAULT_MEASURE_UNIT_CODE,
  DEFAULT_SECTION_CODE,
  DEFAULT_TAXATION_TYPE,
} from './cash-core-receipt';
import { CashCoreHealth } from './cash-core-status';
import { REPORT } from './cash-core-wire';

export interface CashCoreDriverConfig {
  /** `http://host:port` of the cash core on the store LAN. */
  baseUrl: string;
  /** PIN or token of the operator the agent acts as, sent as `Authorization`. */
  accessCode: string;
  /** The register's ID at the OFD (`kkm_ofd_id` / `ofd_id`). */
  kkmOfdId: number;
  /** Per HTTP call; the seed gives no advice, so 15 s. */
  timeoutMs?: number;
  /**
   * How long after a fiscal call was sent (its checkpoint's `at`) it may still be running on the
   * core although its answer was lost: until then reconciliation never says "not done" (the call
   * could still commit), only "in doubt". Seed 003 states no processing time; a TradeOperation waits
   * for the OFD, so the default is generous: 120 s (`CASH_CORE_DEFAULT_PROCESSING_WINDOW_MS`). It
   * should comfortably exceed `timeoutMs`.
   */
  processingWindowMs?: number;
  /**
   * How far apart the register's clock and this machine's may be: reconciliation lists the
   * documents from the checkpoint's time minus this to now plus this. Default 5 min.
   */
  periodMarginMs?: number;
  /** TaxationTypeEnum for every tax line: 100 STS, 101 RTS (default, as the seed's example), 102 TRFF, 103 TRBP. */
  taxationType?: number;
  /** `section_code` for items that carry none (required non-empty by the core). Default "1". */
  defaultSectionCode?: string;
  /** `measure_unit_code` (ИС ЭСФ) for items that carry none (required non-empty). Default "796" (штука). */
  defaultMeasureUnitCode?: string;
  /** `is_printable` for receipts and reports: print them on the core's printer. Default true. */
  print?: boolean;
  /** The core writes local time without a zone; Kazakhstan is UTC+5 (300), the default. */
  utcOffsetMinutes?: number;
  now?: () => Date;
}

export const CASH_CORE_DEFAULT_TIMEOUT_MS = 15_000;
export const CASH_CORE_DEFAULT_UTC_OFFSET_MINUTES = 300;
export const CASH_CORE_DEFAULT_PROCESSING_WINDOW_MS = 120_000;
export const CASH_CORE_DEFAULT_PERIOD_MARGIN_MS = 300_000;

/**
 * The "cash core" software register (seed 003, HTTP JSON API v2.0.2) behind the register interface.
 *
 * Exactly-once rests on the core's counters: before every call that may register a document the
 * driver reads the register's shift number, shift state and last document number (GetKKMList)
 * and hands them to the caller's journal; after a lost answer, `reconcile` (cash-core-reconcile.ts)
 * looks for the document in GetTransactionList and compares it exactly with what was sent.
 *
 * Layout: commands (cash-core-commands.ts, one function per command), reads
 * (cash-core-reads.ts), reconciliation (cash-core-reconcile.ts, cash-core-match.ts), wire mapping
 * (cash-core-wire.ts answers in, cash-core-results.ts canonical results out, cash-core-receipt.ts
 * requests), health (cash-core-status.ts), operators (cash-core-operators.ts).
 */
export class CashCoreDriver implements RegisterDriver {
  readonly kind = 'cash-core' as const;
  private readonly env: CashCoreEnv;
  private readonly health: CashCoreHealth;
  private readonly settings: ReconcileSettings;

  constructor(config: CashCoreDriverConfig) {
    const client = new CashCoreClient({
      baseUrl: config.baseUrl,
      accessCode: config.accessCode,
      timeoutMs: config.timeoutMs ?? CASH_CORE_DEFAULT_TIMEOUT_MS,
    });
    const print = config.print ?? true;
    this.env = {
      kkmOfdId: config.kkmOfdId,
      client,
      reads: new CashCoreReads(client, config.kkmOfdId, config.accessCode),
      ticketOptions: {
        kkmOfdId: config.kkmOfdId,
        taxationType: config.taxationType ?? DEFAULT_TAXATION_TYPE,
        defaultSectionCode: config.defaultSectionCode ?? DEFAULT_SECTION_CODE,
        defaultMeasureUnitCode: config.defaultMeasureUnitCode ?? DEFAULT_MEASURE_UNIT_CODE,
        print,
      },
      print,
      offset: config.utcOffsetMinutes ?? CASH_CORE_DEFAULT_UTC_OFFSET_MINUTES,
      now: config.now ?? (() => new Date()),
    };
    this.settings = {
      processingWindowMs: config.processingWindowMs ?? CASH_CORE_DEFAULT_PROCESSING_WINDOW_MS,
      periodMarginMs: config.periodMarginMs ?? CASH_CORE_DEFAULT_PERIOD_MARGIN_MS,
    };
    this.health = new CashCoreHealth(this.env);
  }

  capabilities(): RegisterCapabilities {
    return {
      kind: 'cash-core',
      currency: 'KZT',
      commands: [
        'shift.open',
        'shift.close',
        'shift.forceClose',
        'receipt',
        'cash.in',
        'cash.out',
        'report.x',
        'report.z',
        'register.info',
        'operators.list',
        'operators.sync',
        'receipt.image',
        // No 'receipt.reprint': seed 003 has no call that prints a copy (it answers NOT_SUPPORTED).
      ],
      receiptOperations: ['sale', 'saleReturn', 'buy', 'buyReturn'],
      paymentKinds: [...CASH_CORE_PAYMENT_KINDS],
      // Seed 003 has no method that opens a shift: the first document (ticket or money placement) does.
      shiftOpensWithFirstDocument: true,
      receiptImages: true,
      operatorSync: 'readWrite',
    };
  }

  async execute(command: CanonicalCommand, context: ExecuteContext): Promise<CommandOutcome> {
    const run: Run = { context, fiscalSent: false };
    let outcome: CommandOutcome;
    try {
      outcome = await this.dispatch(command, run);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      outcome = run.fiscalSent
        ? fail('RESULT_UNKNOWN', `ответ кассового ядра не обработан (${message}); нужна сверка`)
        : fail('INTERNAL', `ошибка драйвера кассового ядра: ${message}`);
    }
    this.health.lastError = outcome.ok ? undefined : outcome.error;
    return outcome;
  }

  private dispatch(command: CanonicalCommand, run: Run): Promise<CommandOutcome> {
    const env = this.env;
    switch (command.type) {
      case 'shift.open':
        return openShift(env);
      case 'shift.close':
      case 'shift.forceClose':
        return report(env, command.type, REPORT.Z, run);
      case 'report.x':
        return report(env, command.type, REPORT.X, run);
      case 'receipt':
        return receipt(env, command, run);
      case 'cash.in':
      case 'cash.out':
        return moneyPlacement(env, command, run);
      case 'report.z':
        return lastZReport(env);
      case 'register.info':
        return registerInfo(env, (kkm) => this.health.from(kkm));
      case 'operators.list':
        return listOperators(env);
      case 'operators.sync':
        return syncOperators(env, command, run);
      case 'receipt.image':
        return documentImage(env, command);
      case 'receipt.reprint':
        return reprint(env, command);
      case 'command.resolve':
        return Promise.resolve(fail('NOT_SUPPORTED', 'решение оператора применяет агент, а не касса'));
      case 'payment.cancel':
        return Promise.resolve(
          fail(
            'NOT_SUPPORTED',
            'кассовое ядро не отменяет банковские платежи: отмена оплаты картой выполняется облаком как возврат продажи (receipt saleReturn)',
          ),
        );
    }
  }

  /** Health for the heartbeat; a core answering 66/69 is reachable and busy. Never throws. */
  status(): Promise<RegisterHealth> {
    return this.health.status();
  }

  /** Only reads, never sends the command again (cash-core-reconcile.ts). Never throws. */
  async reconcile(entry: ReconcileEntry): Promise<ReconcileVerdict> {
    try {
      return await reconcileCashCore(this.env, this.settings, entry);
    } catch (error) {
      return {
        state: 'inDoubt',
        evidence: `reconcile failed: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  }
}
