import { parseAmount, parseQuantity } from './money';

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

/**
 * The position list; `'json'` for anything the device would answer -17 to; `'value'` for a
 * price, sum or discount that is not plain digits while the device does not accept decimals
 * (-9 "передавать только цифры": itemdata is a parameter like the others, only `print` is
 * exempt). A quantity may have decimals: the seed's reports say `qty` "может быть Double".
 */
export function parseItemdata(json: string, acceptDecimals = true): ItemdataPosition[] | 'json' | 'value' {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return 'json';
  }
  if (!Array.isArray(parsed)) return 'json';
  const positions: ItemdataPosition[] = [];
  let decimals = false;
  for (const raw of parsed) {
    const position = parsePosition(raw);
    if (!position) return 'json';
    if (!acceptDecimals && !wholeAmounts(position)) decimals = true;
    positions.push(position);
  }
  return decimals ? 'value' : positions;
}

function wholeAmounts(position: ItemdataPosition): boolean {
  const whole = (text: string) => parseAmount(text, false) !== undefined;
  return position.type === 'discount'
    ? whole(position.text)
    : whole(position.texts.price) && whole(position.texts.sum);
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
    const discount = text === undefined ? undefined : parseAmount(text, true);
    if (text === undefined || discount === undefined) return undefined;
    return { type: 'discount', name, discount, text };
  }
  const price = valueText(record['price']);
  const qty = valueText(record['qty']);
  const sum = valueText(record['sum']);
  if (price === undefined || qty === undefined || sum === undefined) return undefined;
  const priceTiyn = parseAmount(price, true);
  const qtyMilli = parseQuantity(qty);
  const sumTiyn = parseAmount(sum, true);
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
