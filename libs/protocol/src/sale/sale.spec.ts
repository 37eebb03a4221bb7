import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SALE_CODE, SALE_CODES } from '../errors/answer-codes';
import { CANONICAL_ERROR_CODES, canonicalError } from '../errors/canonical-error';
import { ikkmError } from '../errors/ikkm-codes';
import { receiptTotal } from '../canonical/receipt';
import { saleAnswerSchema } from './sale-schema';
import {
  commandOutcomeToSaleAnswer,
  parseSaleRequest,
  saleIdempotencyKey,
  saleRequestToCommand,
} from './sale-convert';

const allKinds = ['cash', 'card', 'credit', 'bonuses', 'prepayment', 'installment'] as const;

const seedLike = {
  docTime: '2024-03-01 12:30:00',
  docNumber: 'A-1001',
  wsName: 'Касса 1',
  departmentName: 'Магазин на Абая',
  employeeName: 'Иванова А.',
  amount: 35000,
  currency: 'KZT',
  items: [
    {
      itemId: '888',
      itemName: 'Кофе',
      itemAttr: 0,
      itemQty: 2000,
      itemAmount: 30000,
      discount: 1000,
      itemTaxes: [{ taxName: 'НДС', taxPrc: 1200, calcType: 1 }],
      itemMarginSum: null,
      itemMarginPrice: null,
    },
    { itemId: '889', itemName: 'Чай', itemQty: 500, itemAmount: 5000 },
  ],
  payments: { cashAmount: 20000, cashlessAmount: 15000 },
  printFooter: 'Спасибо!\nЖдём снова',
};

describe('seed 001 /sale', () => {
  it('parses a full request and converts it to a canonical sale', () => {
    const parsed = parseSaleRequest(JSON.stringify(seedLike));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.answer));
    const converted = saleRequestToCommand(parsed.request, { paymentKinds: allKinds });
    if (!converted.ok || converted.command.type !== 'receipt') throw new Error('convert failed');
    const receipt = converted.command;
    expect(receipt.total).toBe(35000);
    expect(receipt.items[0]).toMatchObject({ quantity: 2000, sum: 31000, discount: 1000, price: 15500 });
    expect(receipt.items[0]?.taxes[0]).toMatchObject({ rate: 12000, calcType: 'included', name: 'НДС' });
    expect(receipt.items[1]).toMatchObject({ quantity: 500, sum: 5000, price: 10000 });
    expect(receipt.payments).toEqual([
      { kind: 'cash', amount: 20000 },
      { kind: 'card', amount: 15000 },
    ]);
    expect(receipt.footerLines).toEqual(['Спасибо!', 'Ждём снова']);
    expect(receiptTotal(receipt)).toBe(receipt.total);
  });

  it('answers the seed codes for each failure', () => {
    const code = (body: unknown, kinds: readonly (typeof allKinds)[number][] = allKinds) => {
      const parsed = parseSaleRequest(typeof body === 'string' ? body : JSON.stringify(body));
      if (!parsed.ok) return parsed.answer.code;
      const converted = saleRequestToCommand(parsed.request, { paymentKinds: kinds });
      return converted.ok ? 0 : converted.answer.code;
    };
    expect(code('{"docNumber":')).toBe(SALE_CODE.BAD_JSON);
    expect(code('"just a string"')).toBe(SALE_CODE.BAD_JSON);
    expect(code({ ...seedLike, docNumber: undefined })).toBe(SALE_CODE.MISSING_FIELDS);
    expect(code({ ...seedLike, items: [] })).toBe(SALE_CODE.MISSING_FIELDS);
    expect(code({ ...seedLike, amount: '350.00' })).toBe(SALE_CODE.MISSING_FIELDS);
    expect(code({ ...seedLike, docTime: '01.03.2024' })).toBe(SALE_CODE.MISSING_FIELDS);
    expect(code({ ...seedLike, amount: 35001, payments: { cashAmount: 35001 } })).toBe(
      SALE_CODE.SUM_MISMATCH,
    );
    expect(code({ ...seedLike, payments: { cashAmount: 0, bonusesAmount: 35000 } }, ['cash', 'card'])).toBe(
      SALE_CODE.PAYMENT_TYPE_UNSUPPORTED,
    );
    expect(code({ ...seedLike, payments: { cashAmount: 100 } })).toBe(SALE_CODE.NOT_FULLY_PAID);
    expect(code({ ...seedLike, payments: undefined })).toBe(SALE_CODE.NOT_FULLY_PAID);
    expect(code({ ...seedLike, payments: { cashlessAmount: 40000 } })).toBe(SALE_CODE.SUM_MISMATCH);
    expect(code({ ...seedLike, payments: { cashAmount: 50000 } })).toBe(SALE_CODE.OK);
  });

  it('fiscalID asks for a reprint of that document instead of a new receipt', () => {
    const parsed = parseSaleRequest({ ...seedLike, fiscalID: '1008' });
    if (!parsed.ok) throw new Error('parse');
    const converted = saleRequestToCommand(parsed.request, { paymentKinds: allKinds });
    expect(converted).toEqual({
      ok: true,
      command: { type: 'receipt.reprint', document: { fiscalId: '1008' } },
    });
  });

  it('idempotency key is docTime + docNumber + amount, and none without docTime', () => {
    expect(saleIdempotencyKey(seedLike)).toBe('sale:2024-03-01 12:30:00|A-1001|35000');
    expect(saleIdempotencyKey({ ...seedLike, amount: 1 })).not.toBe(saleIdempotencyKey(seedLike));
    expect(saleIdempotencyKey({ ...seedLike, docTime: undefined })).toBeNull();
  });

  it('every canonical error has a /sale code 1–9 and every answer validates', () => {
    for (const code of CANONICAL_ERROR_CODES) {
      const answer = commandOutcomeToSaleAnswer({ ok: false, error: canonicalError(code) });
      expect(answer.status).toBe('error');
      expect(answer.code).toBe(SALE_CODES[code]);
      expect(answer.code).toBeGreaterThanOrEqual(1);
      expect(saleAnswerSchema.safeParse(answer).success).toBe(true);
    }
    const shift = commandOutcomeToSaleAnswer({ ok: false, error: ikkmError(-3) });
    expect(shift.message).toContain('смена привысила 24 часа');
    const ok = commandOutcomeToSaleAnswer({
      ok: true,
      result: { type: 'receipt', fiscalId: '1008', documentNumber: 8, checkNumber: 1008 },
    });
    expect(ok).toEqual({
      status: 'success',
      code: 0,
      documentID: 8,
      fiscalID: '1008',
      fiscalNum: '8',
      checkNum: '1008',
    });
  });

  it('property: for any valid sale, items − discounts + markups = total = amount', () => {
    const item = fc.record({
      itemName: fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim().length > 0),
      itemQty: fc.integer({ min: 1, max: 100_000 }),
      itemAmount: fc.integer({ min: 0, max: 10_000_000 }),
      discount: fc.integer({ min: 0, max: 1_000_000 }),
    });
    fc.assert(
      fc.property(
        fc.array(item, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 100_000 }),
        (items, extraCash) => {
          const amount = items.reduce((acc, i) => acc + i.itemAmount, 0);
          const parsed = parseSaleRequest({
            docNumber: '1',
            employeeName: 'E',
            amount,
            items,
            payments: { cashAmount: amount + extraCash },
          });
          if (!parsed.ok) throw new Error(JSON.stringify(parsed.answer));
          const converted = saleRequestToCommand(parsed.request, { paymentKinds: allKinds });
          if (!converted.ok || converted.command.type !== 'receipt')
            throw new Error(JSON.stringify(converted));
          expect(receiptTotal(converted.command)).toBe(amount);
          expect(converted.command.total).toBe(amount);
        },
      ),
    );
  });
});

describe('parseSaleRequest: hostile bodies', () => {
  it('refuses nesting deeper than the limit with code 2 before parsing', () => {
    const deep = `{"docNumber":"A","items":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const parsed = parseSaleRequest(deep);
    expect(parsed).toMatchObject({ ok: false, answer: { status: 'error', code: SALE_CODE.BAD_JSON } });
    if (!parsed.ok) expect(parsed.answer.message).toMatch(/вложенность/);
  });

  it('refuses a NUL or a lone surrogate in any value or key with code 3 naming the field', () => {
    for (const [body, field] of [
      [{ ...seedLike, docNumber: 'A\u0000' }, 'docNumber'],
      [{ ...seedLike, items: [{ ...seedLike.items[1], itemName: '\ud800' }] }, 'items[0].itemName'],
      [{ ...seedLike, payments: { ['cash\udc00']: 1 } }, 'payments'],
      [{ ...seedLike, unknownField: ['ok', 'x\u0000'] }, 'unknownField[1]'],
    ] as const) {
      const parsed = parseSaleRequest(JSON.stringify(body));
      expect(parsed.ok).toBe(false);
      if (parsed.ok) continue;
      expect(parsed.answer).toMatchObject({ status: 'error', code: SALE_CODE.MISSING_FIELDS });
      expect(parsed.answer.message).toContain(field);
    }
  });

  it('takes a body with a leading BOM and keeps well-formed pairs (emoji)', () => {
    const parsed = parseSaleRequest(`\ufeff${JSON.stringify({ ...seedLike, printFooter: 'Спасибо 😀' })}`);
    expect(parsed.ok).toBe(true);
  });
});
