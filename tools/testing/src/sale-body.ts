import type { SaleRequest } from '@kassa-relay/protocol';

/** JSON as a POS may send it: an optional field may also come as null (read as absent). */
type OnTheWire<T> = T extends (infer Item)[]
  ? OnTheWire<Item>[]
  : T extends object
    ? { [K in keyof T]: undefined extends T[K] ? OnTheWire<T[K]> | null : OnTheWire<T[K]> }
    : T;

/** A seed 001 `POST /sale` body (libs/protocol `saleRequestSchema`), as the POS puts it on the wire. */
export type SaleBody = OnTheWire<SaleRequest>;

/**
 * A `/sale` body: one coffee for `amount` (tiyn, 350.00 ₸ unless given), paid in cash, at a fixed
 * `docTime`, so `docNumber` alone makes it a new sale. `overrides` replace whole fields (a field set
 * to undefined is left out of the JSON).
 */
export function saleBody(docNumber: string, amount = 35_000, overrides: Partial<SaleBody> = {}): SaleBody {
  return {
    docTime: '2026-11-23 10:00:00',
    docNumber,
    employeeName: 'Иванова А.',
    amount,
    currency: 'KZT',
    items: [{ itemId: '1', itemName: 'Кофе', itemQty: 1000, itemAmount: amount }],
    payments: { cashAmount: amount },
    ...overrides,
  };
}

/** `saleBody` overrides for three loaves of bread (450.00) paid with 500.00 in cash, the POS giving change. */
export const breadSale: Partial<SaleBody> = {
  employeeName: 'Петрова Б.',
  items: [{ itemId: '77', itemName: 'Хлеб', itemQty: 3000, itemAmount: 45_000 }],
  payments: { cashAmount: 50_000 },
};
