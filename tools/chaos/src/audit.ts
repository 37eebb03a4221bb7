import type { SaleRecord } from './clients';
import type { RegisterKind } from './world';

/** One fiscal receipt in a simulator's journal, reduced to what the audit compares. */
export interface Receipt {
  register: RegisterKind;
  seq: number;
  /** tiyn: the sale's `amount` (unique per sale in a run). */
  amount: number;
  /** What the register makes the `/sale` fiscalID from: iKKM `onlineCode`, cash core `fiscal_id`. */
  fiscalId: string;
  /** `/sale` documentID: iKKM the check number, cash core the document number in its shift. */
  number: number | undefined;
  /** The register's clock, ms. */
  at: number;
}

interface IkkmEntry {
  seq: number;
  kind: string;
  amount: number;
  checkNumber?: number;
  at: number;
  ofd?: { onlineCode: string };
}

interface CashCoreEntry {
  seq: number;
  kind: string;
  total: number;
  fiscalNumber?: string;
  shiftDocumentNumber: number;
  at: number;
}

/** The sales receipts of an iKKM journal (`GET /_sim/journal`). */
export function ikkmReceipts(entries: IkkmEntry[]): Receipt[] {
  return entries
    .filter((e) => e.kind === 'sale')
    .map((e) => ({
      register: 'ikkm',
      seq: e.seq,
      amount: e.amount,
      fiscalId: e.ofd?.onlineCode ?? '',
      number: e.checkNumber,
      at: e.at,
    }));
}

/** The sales receipts of a cash-core journal. */
export function cashCoreReceipts(entries: CashCoreEntry[]): Receipt[] {
  return entries
    .filter((e) => e.kind === 'sale')
    .map((e) => ({
      register: 'cash-core',
      seq: e.seq,
      amount: e.total,
      fiscalId: e.fiscalNumber ?? '',
      number: e.shiftDocumentNumber,
      at: e.at,
    }));
}

export type ViolationKind = 'duplicate' | 'lost' | 'misattributed' | 'stuck';

export interface SaleFinding {
  index: number;
  kinds: ViolationKind[];
  why: string[];
  receipts: Receipt[];
}

export interface AuditResult {
  /** Sales per verdict; one sale may count under several (lost and stuck, say). */
  counts: Record<ViolationKind, number>;
  /** Receipts that belong to no sale of the run (an amount never sent, or on the other register). */
  unexplainedReceipts: Receipt[];
  findings: SaleFinding[];
  /** Final answers other than code 0 (a valid sale the product refused, with no receipt): not a violation. */
  refused: number;
  done: number;
  receipts: number;
}

/**
 * Counts what a store would notice, sale by sale, from the registers' own fiscal journals:
 *
 * - **duplicate**: more than one receipt for the sale;
 * - **lost**: the client was told code 0 and there is no receipt; or there is a receipt and the
 *   client was told a refusal, or never got a final answer;
 * - **misattributed**: the client's code 0 carries a fiscalID (or documentID) that is not its own
 *   receipt's — another sale's, or none at all;
 * - **stuck**: no final answer when the settle time ran out (a document still in doubt included).
 */
export function audit(records: SaleRecord[], receipts: Receipt[]): AuditResult {
  const byAmount = new Map<string, Receipt[]>();
  const key = (register: RegisterKind, amount: number) => `${register}|${amount}`;
  for (const receipt of receipts) {
    const k = key(receipt.register, receipt.amount);
    byAmount.set(k, [...(byAmount.get(k) ?? []), receipt]);
  }
  const byFiscalId = new Map<string, Receipt>();
  for (const receipt of receipts) if (receipt.fiscalId) byFiscalId.set(receipt.fiscalId, receipt);
  const saleOf = new Map<string, SaleRecord>();
  for (const record of records) saleOf.set(key(record.sale.register, record.sale.amount), record);

  const counts: Record<ViolationKind, number> = { duplicate: 0, lost: 0, misattributed: 0, stuck: 0 };
  const findings: SaleFinding[] = [];
  let refused = 0;
  let done = 0;
  for (const record of records) {
    const { sale, final } = record;
    const own = byAmount.get(key(sale.register, sale.amount)) ?? [];
    const kinds: ViolationKind[] = [];
    const why: string[] = [];
    if (own.length > 1) {
      kinds.push('duplicate');
      why.push(`${own.length} receipts (journal seq ${own.map((r) => r.seq).join(', ')})`);
    }
    if (final === undefined) {
      kinds.push('stuck');
      why.push(`no final answer after ${record.attempts} attempts; last: ${record.recent.at(-1) ?? '—'}`);
      if (own.length > 0) {
        kinds.push('lost');
        why.push('printed, but the client never got a final answer');
      }
    } else if (final.code === 0) {
      done += 1;
      if (own.length === 0) {
        kinds.push('lost');
        why.push(`answered code 0 (fiscalID ${final.fiscalID ?? '—'}) but the register has no receipt`);
      } else {
        const mine = own.some(
          (r) =>
            r.fiscalId === (final.fiscalID ?? '') &&
            (final.documentID === undefined || final.documentID === r.number),
        );
        if (!mine) {
          const other = final.fiscalID ? byFiscalId.get(final.fiscalID) : undefined;
          const otherSale = other ? saleOf.get(key(other.register, other.amount)) : undefined;
          kinds.push('misattributed');
          why.push(
            `answered fiscalID ${final.fiscalID ?? '—'} documentID ${final.documentID ?? '—'}, its receipt has ` +
              `${own.map((r) => `${r.fiscalId}/${r.number}`).join(', ')}` +
              (other
                ? `; that fiscalID is ${otherSale ? `sale #${otherSale.sale.index}'s` : 'an unexplained'} receipt (seq ${other.seq})`
                : '; that fiscalID is on no receipt'),
          );
        }
      }
    } else {
      refused += 1;
      if (own.length > 0) {
        kinds.push('lost');
        why.push(`refused with code ${final.code} (${final.message ?? ''}) but printed`);
      }
    }
    for (const kind of new Set(kinds)) counts[kind] += 1;
    if (kinds.length > 0)
      findings.push({ index: sale.index, kinds: [...new Set(kinds)], why, receipts: own });
  }
  const unexplainedReceipts = receipts.filter((r) => !saleOf.has(key(r.register, r.amount)));
  return { counts, unexplainedReceipts, findings, refused, done, receipts: receipts.length };
}

export const violationTotal = (result: AuditResult): number =>
  result.counts.duplicate +
  result.counts.lost +
  result.counts.misattributed +
  result.counts.stuck +
  result.unexplainedReceipts.length;
