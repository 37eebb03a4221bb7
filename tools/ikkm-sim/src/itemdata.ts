import { parseQuantity, parseTenge } from './money';

/**
 * Seed 002 "Itemdata для передачи товаров на сервер ОФД": a JSON array of positions
 * `{name, price, qty, sum}` (values as text) or discounts `{name, discount}` ("если скидка, поля
 * price,qty,sum не указываются"). At most 79 positions reach the OFD; beyond that the device
 * sends one position named after the registration type ("продажа.....1000тг").
 */
export const MAX_ITEMDATA_POSITIONS = 79;

export type ItemdataPosition =
  | {
      type: 'item';
      name: string;
      price: number;
      qtyMilli: number;
      sum: number;
      texts: { price: string; qty: string; sum: string };
    }
  | { type: 'discount'; name: string; discount: number; text: string };

/** The position list, or `undefined` for anything the device would answer -17 to. */
export function parseItemdata(json: string): ItemdataPosition[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const positions: ItemdataPosition[] = [];
  for (const raw of parsed) {
    const position = parsePosition(raw);
    if (!position) return undefined;
    positions.push(position);
  }
  return positions;
}

function parsePosition(raw: unknown): ItemdataPosition | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const record = raw as Record<string, unknown>;
  if (typeof record['name'] !== 'string') return undefined;
  const name = record['name'];
  const has = (field: string) => record[field] !== undefined && record[field] !== null;

  if (has('discount')) {
    if (has('price') || has('qty') || has('sum')) return undefined;
    const text = valueText(record['discount']);
    const discount = text === undefined ? undefined : parseTenge(text);
    if (text === undefined || discount === undefined) return undefined;
    return { type: 'discount', name, discount, text };
  }
  const price = valueText(record['price']);
  const qty = valueText(record['qty']);
  const sum = valueText(record['sum']);
  if (price === undefined || qty === undefined || sum === undefined) return undefined;
  const priceTiyn = parseTenge(price);
  const qtyMilli = parseQuantity(qty);
  const sumTiyn = parseTenge(sum);
  if (priceTiyn === undefined || qtyMilli === undefined || sumTiyn === undefined || qtyMilli === 0)
    return undefined;
  return { type: 'item', name, price: priceTiyn, qtyMilli, sum: sumTiyn, texts: { price, qty, sum } };
}

/** The seed writes values as strings ("200"); a plain JSON number is read the same way. */
function valueText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0 && !/e/i.test(String(value)))
    return String(value);
  return undefined;
}
