import type { DocumentView, ShiftView } from '@kassa-relay/admin-api';
import { api } from '../api/client';
import { taxesByRate } from '../documents/receipt-taxes';

export interface Breakdown {
  receipts: number;
  /** True when the shift had more receipts than one breakdown reads. */
  truncated: boolean;
  /** payment kind → operation → amount */
  payments: Map<string, Map<string, number>>;
  /** tax rate (thousandths of a percent) → operation → tax amount */
  taxes: Map<number, Map<string, number>>;
}

const MAX_RECEIPTS = 2000;
const PARALLEL = 6;

function add<K>(table: Map<K, Map<string, number>>, key: K, operation: string, amount: number): void {
  const row = table.get(key) ?? new Map<string, number>();
  row.set(operation, (row.get(operation) ?? 0) + amount);
  table.set(key, row);
}

/**
 * Payment-type and tax totals of one shift. The Z report's counters are per operation only, so
 * these come from the shift's own receipts: the done receipts of the register between the shift's
 * opening and closing, read page by page (bounded) and then one by one for their lines.
 */
export async function shiftBreakdown(shift: ShiftView, signal: AbortSignal): Promise<Breakdown> {
  const receipts: DocumentView[] = [];
  let cursor: string | null = null;
  do {
    const page = await api.documents
      .list({
        registerId: shift.registerId,
        kind: 'receipt',
        status: 'done',
        from: shift.openedAt ?? undefined,
        to: shift.closedAt ?? new Date().toISOString(),
        limit: 200,
        cursor: cursor ?? undefined,
      })
      .run(signal);
    receipts.push(...page.items.filter((d) => d.shiftNumber === null || d.shiftNumber === shift.number));
    cursor = page.nextCursor;
  } while (cursor && receipts.length < MAX_RECEIPTS);

  const result: Breakdown = {
    receipts: 0,
    truncated: cursor !== null,
    payments: new Map(),
    taxes: new Map(),
  };
  for (let i = 0; i < receipts.length; i += PARALLEL) {
    const batch = await Promise.all(
      receipts.slice(i, i + PARALLEL).map((d) => api.documents.get(d.id).run(signal)),
    );
    for (const receipt of batch) {
      const operation = receipt.operation ?? 'sale';
      result.receipts += 1;
      // Change is given back in cash: the drawer keeps cash minus change.
      let change = receipt.change ?? 0;
      for (const payment of receipt.payments ?? []) {
        let amount = payment.amount;
        if (payment.kind === 'cash' && change > 0) {
          const taken = Math.min(change, amount);
          amount -= taken;
          change -= taken;
        }
        add(result.payments, payment.kind, operation, amount);
      }
      for (const tax of taxesByRate(receipt.items ?? [])) add(result.taxes, tax.rate, operation, tax.amount);
    }
  }
  return result;
}
