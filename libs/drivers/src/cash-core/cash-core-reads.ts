import { canonicalError, type CanonicalError } from '@kassa-relay/protocol';
import type { CashCoreClient } from './cash-core-client';
import { type CoreOperator, readOperators } from './cash-core-operators';
import {
  COMMAND,
  int,
  isObject,
  type Json,
  type KkmState,
  list,
  nonEmpty,
  obj,
  readKkm,
  readTransactionEntry,
  REPORT,
  type TransactionEntry,
} from './cash-core-wire';

/**
 * Reads from the cash core (seed 003): the register (GetKKMList), its documents (GetTransactionList,
 * GetTransaction) and its operators (GetOperatorList). Never changes anything on the device.
 */

export type Read<T> = { ok: true; value: T } | { ok: false; error: CanonicalError };

/** One document in full: the list entry's header and GetTransaction's body. */
export interface FullTransaction {
  entry: TransactionEntry;
  body: Json;
  raw: unknown;
}

/** A Z report in the transaction list: COMMAND_CLOSE_SHIFT, or a COMMAND_REPORT of type REPORT_Z. */
export const isZReport = (e: TransactionEntry): boolean =>
  e.command === COMMAND.CLOSE_SHIFT || (e.command === COMMAND.REPORT && int(e.body['type']) === REPORT.Z);

export class CashCoreReads {
  /** The last closed shift's number, per what GetKKMList showed (see `lastClosedShift`). */
  private closedShiftCache: { key: string; value: number } | undefined;

  constructor(
    private readonly client: CashCoreClient,
    private readonly kkmOfdId: number,
    private readonly accessCode: string,
  ) {}

  async kkm(): Promise<Read<KkmState>> {
    const answer = await this.client.call<unknown>('GetKKMList', { ofd_id: this.kkmOfdId });
    if (!answer.ok) return { ok: false, error: answer.error };
    const raw = list(answer.data)
      .filter(isObject)
      .find((k) => int(k['ofd_id']) === this.kkmOfdId);
    if (!raw) {
      return {
        ok: false,
        error: canonicalError(
          'REGISTER_NOT_CONFIGURED',
          `касса ${this.kkmOfdId} не найдена в кассовом ядре (GetKKMList) или у этого PIN-кода нет к ней доступа`,
        ),
      };
    }
    return { ok: true, value: readKkm(raw) };
  }

  async transactions(filter: Record<string, unknown>): Promise<Read<TransactionEntry[]>> {
    const answer = await this.client.call<unknown>('GetTransactionList', {
      kkm_ofd_id: this.kkmOfdId,
      ...filter,
    });
    if (!answer.ok) return { ok: false, error: answer.error };
    const entries = list(answer.data).flatMap((raw) => {
      const entry = readTransactionEntry(raw);
      return entry ? [entry] : [];
    });
    return { ok: true, value: entries };
  }

  /** GetTransaction: the document's full body (TicketObject, ReportObject or MoneyPlacementObject). */
  async transaction(id: number): Promise<Read<FullTransaction>> {
    const answer = await this.client.call<unknown>('GetTransaction', {
      kkm_ofd_id: this.kkmOfdId,
      transaction_id: id,
    });
    if (!answer.ok) return { ok: false, error: answer.error };
    const entry = readTransactionEntry(answer.data);
    if (!entry || entry.id !== id) {
      return {
        ok: false,
        error: canonicalError(
          'DEVICE_ERROR',
          `GetTransaction ${id}: кассовое ядро ответило другим документом`,
        ),
      };
    }
    return { ok: true, value: { entry, body: obj(obj(answer.data)['body']), raw: answer.data } };
  }

  async operators(): Promise<Read<CoreOperator[]>> {
    const answer = await this.client.call<unknown>('GetOperatorList', {});
    if (!answer.ok) return { ok: false, error: answer.error };
    return { ok: true, value: readOperators(answer.data) };
  }

  /** The name of the operator whose PIN the driver uses (the core signs documents with it). */
  async ownName(): Promise<string | undefined> {
    const operators = await this.operators();
    if (!operators.ok) return undefined;
    const code = this.accessCode.replace(/^bearer\s+/i, '').trim();
    return nonEmpty(operators.value.find((o) => o.pin === code)?.name);
  }

  /** The newest Z report of a shift after a document number, if any. */
  async zReportOf(shiftNumber: number, afterDocument = 0): Promise<Read<TransactionEntry | undefined>> {
    const entries = await this.transactions({
      shift_number: shiftNumber,
      command_type_list: [COMMAND.CLOSE_SHIFT, COMMAND.REPORT],
    });
    if (!entries.ok) return entries;
    const z = entries.value.filter(
      (e) => e.shiftNumber === shiftNumber && e.documentNumber > afterDocument && isZReport(e),
    );
    return { ok: true, value: z[z.length - 1] };
  }

  /**
   * The newest Z report on a register whose shift is closed. Seed 003 does not say what
   * GetKKMList's `fr_shift_number` shows between a Z and the next document — the closed shift or
   * the next one — so both are looked at.
   */
  async lastZReport(kkm: KkmState): Promise<Read<TransactionEntry | undefined>> {
    const candidates = kkm.shiftOpen ? [kkm.shiftNumber - 1] : [kkm.shiftNumber, kkm.shiftNumber - 1];
    for (const shiftNumber of candidates) {
      if (shiftNumber < 1) continue;
      const found = await this.zReportOf(shiftNumber);
      if (!found.ok) return found;
      if (found.value) return found;
    }
    return { ok: true, value: undefined };
  }

  /**
   * The number of the last closed shift while the shift is closed: the shift of the newest Z report
   * (see `lastZReport`); without one, what GetKKMList shows. Remembered until the counters change,
   * so the heartbeat asks once.
   */
  async lastClosedShift(kkm: KkmState): Promise<number> {
    const key = `${kkm.shiftNumber}/${kkm.shiftDocumentNumber}/${kkm.shiftOpen ? 1 : 0}`;
    if (this.closedShiftCache?.key === key) return this.closedShiftCache.value;
    const z = await this.lastZReport(kkm);
    if (!z.ok) return kkm.shiftNumber;
    const value = z.value?.shiftNumber ?? kkm.shiftNumber;
    this.closedShiftCache = { key, value };
    return value;
  }
}
