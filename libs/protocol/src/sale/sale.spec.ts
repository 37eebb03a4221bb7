import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SALE_CODE, SALE_CODES } from '../errors/answer-codes';
import { CANONICAL_ERROR_CODES, canonicalError } from '../errors/canonical-error';
import { ikkmError } from '../errors/ikkm-codes';
import { receiptTotal } from '../canonical/receipt';
import { cashCoreError } from '../errors/cash-core-codes';
import { normalizeSaleDocTime, saleAnswerSchema } from './sale-schema';
import {
  commandOutcomeToSaleAnswer,
  parseSaleRequest,
  saleAnswerForError,
  saleCurrencyOf,
  saleCurrencyRefusal,
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
    // Card overpayment is the payments block's fault (code 3 naming it), not items against amount (4).
    expect(code({ ...seedLike, payments: { cashlessAmount: 40000 } })).toBe(SALE_CODE.MISSING_FIELDS);
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

/** Parses or fails the test with the answer it got. */
function parsedOk(body: unknown) {
  const parsed = parseSaleRequest(typeof body === 'string' ? body : JSON.stringify(body));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.answer));
  return parsed;
}
function refusal(body: unknown) {
  const parsed = parseSaleRequest(typeof body === 'string' ? body : JSON.stringify(body));
  if (parsed.ok) throw new Error(`accepted: ${JSON.stringify(body)}`);
  return parsed.answer;
}
const receiptOf = (
  body: unknown,
  context: Parameters<typeof saleRequestToCommand>[1] = { paymentKinds: allKinds },
) => {
  const converted = saleRequestToCommand(parsedOk(body).request, context);
  if (!converted.ok || converted.command.type !== 'receipt') throw new Error(JSON.stringify(converted));
  return converted.command;
};

describe('seed 001 /sale: liberal in what it accepts', () => {
  it('strips a UTF-8 BOM (one, two, or after whitespace) before the JSON, from text and bytes', () => {
    const json = JSON.stringify(seedLike);
    for (const body of [
      `\ufeff${json}`,
      `\ufeff\ufeff${json}`,
      ` \ufeff\n${json}`,
      Buffer.from(`\ufeff${json}`, 'utf8'),
    ]) {
      const parsed = parseSaleRequest(body);
      expect(parsed.ok, String(body).slice(0, 8)).toBe(true);
      if (parsed.ok) expect(parsed.request).toEqual(parsedOk(json).request);
    }
    // The BOM does not get past the depth guard.
    expect(parseSaleRequest(`\ufeff${'['.repeat(100)}`)).toMatchObject({
      ok: false,
      answer: { code: SALE_CODE.BAD_JSON },
    });
  });

  it('reads every number sent as a numeric string, exactly', () => {
    const asStrings = {
      ...seedLike,
      amount: '35000',
      items: [
        {
          ...seedLike.items[0],
          itemAttr: '0',
          itemQty: ' 2000 ',
          itemAmount: '30000',
          discount: '1000',
          itemTaxes: [{ taxName: 'НДС', taxPrc: '1200', calcType: '1' }],
          itemMarginSum: '0',
          itemMarginPrice: '0',
        },
        { ...seedLike.items[1], itemQty: '500', itemAmount: '5000' },
      ],
      payments: {
        cashAmount: '20000',
        cashlessAmount: '15000',
        creditAmount: '0',
        bonusesAmount: '0',
        prepaymentAmount: '0',
        installmentAmount: '0',
      },
    };
    const request = parsedOk(asStrings).request;
    expect(request.amount).toBe(35000);
    expect(request.items[0]).toMatchObject({
      itemAttr: 0,
      itemQty: 2000,
      itemAmount: 30000,
      discount: 1000,
      itemTaxes: [{ taxPrc: 1200, calcType: 1 }],
      itemMarginSum: 0,
      itemMarginPrice: 0,
    });
    expect(request.payments).toEqual({
      cashAmount: 20000,
      cashlessAmount: 15000,
      creditAmount: 0,
      bonusesAmount: 0,
      prepaymentAmount: 0,
      installmentAmount: 0,
    });
    // Same receipt as the numbers themselves.
    expect(receiptOf(asStrings)).toEqual(
      receiptOf({
        ...seedLike,
        items: [{ ...seedLike.items[0], itemMarginSum: 0, itemMarginPrice: 0 }, seedLike.items[1]],
      }),
    );
    // Beyond float precision, still exact.
    expect(
      parsedOk({
        ...seedLike,
        amount: '9007199254740991',
        items: [{ itemName: 'x', itemQty: 1000, itemAmount: '9007199254740991' }],
      }).request.amount,
    ).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('refuses a number it cannot read exactly, naming the field and what it got', () => {
    expect(refusal({ ...seedLike, amount: 'abc' }).message).toContain(
      'amount: ожидается число, получено "abc"',
    );
    // A point in an integer field of kopecks likely means tenge: refused, not guessed.
    expect(refusal({ ...seedLike, amount: '350.00' }).message).toContain(
      'amount: ожидается целое число, получено "350.00"',
    );
    const item = refusal({
      ...seedLike,
      items: [seedLike.items[0], { ...seedLike.items[1], itemQty: '1.5' }],
    });
    expect(item).toMatchObject({ status: 'error', code: SALE_CODE.MISSING_FIELDS });
    expect(item.message).toContain('items[1].itemQty: ожидается целое число, получено "1.5"');
    expect(refusal({ ...seedLike, items: [{ ...seedLike.items[1], itemAmount: -5 }] }).message).toContain(
      'items[0].itemAmount: должно быть не меньше 0, получено -5',
    );
    expect(refusal({ ...seedLike, payments: { cashAmount: '1e3' } }).message).toContain(
      'payments.cashAmount',
    );
    expect(refusal({ ...seedLike, employeeName: undefined }).message).toContain(
      'employeeName: обязательное поле не передано',
    );
    expect(
      refusal({ ...seedLike, items: [{ ...seedLike.items[0], itemTaxes: [{ taxPrc: 1200, calcType: 4 }] }] })
        .message,
    ).toContain('items[0].itemTaxes[0].calcType: допустимые значения: 1, 2, 3, получено 4');
    expect(refusal({ ...seedLike, items: [] }).message).toContain('items: список не должен быть пустым');
  });

  it('takes null as absent for every optional field', () => {
    const withNulls = {
      ...seedLike,
      docTime: null,
      wsName: null,
      departmentName: null,
      currency: null,
      fiscalID: null,
      printFooter: null,
      items: [
        {
          itemId: null,
          itemName: 'Кофе',
          itemAttr: null,
          itemQRCode: null,
          itemQty: 1000,
          itemAmount: 35000,
          discount: null,
          itemTaxes: [{ taxName: null, taxPrc: 1200, calcType: null }],
          itemMarginSum: null,
          itemMarginPrice: null,
        },
      ],
      payments: {
        cashAmount: 35000,
        cashlessAmount: null,
        creditAmount: null,
        bonusesAmount: null,
        prepaymentAmount: null,
        installmentAmount: null,
      },
    };
    const request = parsedOk(withNulls).request;
    for (const value of [request, request.items[0], request.items[0]?.itemTaxes?.[0], request.payments])
      expect(Object.values(value ?? {})).not.toContain(null);
    expect(request.docTime).toBeUndefined();
    expect(saleIdempotencyKey(request)).toBeNull();
    const receipt = receiptOf(withNulls);
    expect(receipt.items[0]).not.toHaveProperty('code');
    expect(receipt.items[0]?.taxes).toEqual([{ rate: 12000, calcType: 'included' }]);
    expect(receipt.payments).toEqual([{ kind: 'cash', amount: 35000 }]);
    expect(
      parsedOk({ ...seedLike, items: [{ ...seedLike.items[0], itemTaxes: null }] }).request.items[0]
        ?.itemTaxes,
    ).toBeUndefined();
    expect(parsedOk({ ...seedLike, payments: null }).request.payments).toBeUndefined();
  });

  it('calcType defaults to 1 (in the price) when absent or null', () => {
    for (const tax of [
      { taxPrc: 1200 },
      { taxPrc: 1200, calcType: null },
      { taxPrc: '1200', calcType: '1' },
    ]) {
      const receipt = receiptOf({
        ...seedLike,
        items: [{ ...seedLike.items[0], itemTaxes: [tax] }, seedLike.items[1]],
      });
      expect(receipt.items[0]?.taxes[0]).toMatchObject({ rate: 12000, calcType: 'included' });
    }
    expect(
      parsedOk({ ...seedLike, items: [{ ...seedLike.items[0], itemTaxes: [{ taxPrc: 0, calcType: 3 }] }] })
        .request.items[0]?.itemTaxes?.[0]?.calcType,
    ).toBe(3);
  });

  it('reads identifiers sent as numbers as their text (wsName, docNumber, itemId)', () => {
    const request = parsedOk({
      ...seedLike,
      wsName: 5,
      docNumber: 1001,
      items: [{ ...seedLike.items[0], itemId: 888 }, seedLike.items[1]],
    }).request;
    expect(request.wsName).toBe('5');
    expect(request.docNumber).toBe('1001');
    expect(request.items[0]?.itemId).toBe('888');
    // The same document whether its number came as a number or as text.
    expect(saleIdempotencyKey(request)).toBe(saleIdempotencyKey({ ...seedLike, docNumber: '1001' }));
  });

  it('reads docTime in ISO 8601 too; both forms of one time give one idempotency key, the seed form the same key as always', () => {
    const seedKey = 'sale:2026-12-01 10:15:00|A-1001|35000';
    expect(saleIdempotencyKey(parsedOk({ ...seedLike, docTime: '2026-12-01 10:15:00' }).request)).toBe(
      seedKey,
    );
    for (const iso of [
      '2026-12-01T10:15:00',
      '2026-12-01T10:15:00Z',
      '2026-12-01T10:15:00+05:00',
      '2026-12-01T10:15:00.000+0500',
      '2026-12-01T10:15',
      ' 2026-12-01t10:15:00-03:00 ',
    ]) {
      const request = parsedOk({ ...seedLike, docTime: iso }).request;
      expect(request.docTime, iso).toBe('2026-12-01 10:15:00');
      expect(saleIdempotencyKey(request), iso).toBe(seedKey);
      // Normalised inside the key too, for a caller that kept the raw value.
      expect(saleIdempotencyKey({ ...seedLike, docTime: iso }), iso).toBe(seedKey);
    }
    // The seed's own form is kept byte for byte (existing documents keep their key).
    expect(normalizeSaleDocTime('2024-03-01 12:30:00')).toBe('2024-03-01 12:30:00');
    expect(saleIdempotencyKey(seedLike)).toBe('sale:2024-03-01 12:30:00|A-1001|35000');
    expect(refusal({ ...seedLike, docTime: '01.03.2024 12:30' }).message).toContain(
      'docTime: ожидается дата и время yyyy-MM-dd hh:mm:ss (или ISO 8601), получено "01.03.2024 12:30"',
    );
  });

  it('ignores unknown fields and lists them (once each, lists as [])', () => {
    const parsed = parsedOk({
      ...seedLike,
      clientVersion: '1C 8.3',
      items: [
        { ...seedLike.items[0], colour: 'red', itemTaxes: [{ taxPrc: 1200, vatGroup: 'A' }] },
        { ...seedLike.items[1], colour: 'blue' },
      ],
      payments: { cashAmount: 35000, tips: 100 },
    });
    expect(parsed.unknownFields).toEqual([
      'clientVersion',
      'items[].colour',
      'items[].itemTaxes[].vatGroup',
      'payments.tips',
    ]);
    expect(parsed.request).not.toHaveProperty('clientVersion');
    expect(parsedOk(seedLike).unknownFields).toEqual([]);
  });
});

describe('seed 001 /sale: currency and one code per situation', () => {
  it('a currency other than the register’s is refused (code 3, naming both); its own or none passes', () => {
    const rub = parsedOk({ ...seedLike, currency: 'RUB' }).request;
    const refused = saleCurrencyRefusal(rub, 'KZT');
    expect(refused).toMatchObject({ status: 'error', code: SALE_CODE.MISSING_FIELDS });
    expect(refused?.message).toContain('currency:');
    expect(refused?.message).toContain('тенге (KZT)');
    expect(refused?.message).toContain('RUB');
    // The conversion refuses it too when it knows the register's currency: nothing is fiscalized.
    expect(saleRequestToCommand(rub, { paymentKinds: allKinds, currency: 'KZT' })).toMatchObject({
      ok: false,
      answer: { code: SALE_CODE.MISSING_FIELDS },
    });
    expect(saleCurrencyRefusal(parsedOk({ ...seedLike, currency: 'kzt' }).request, 'KZT')).toBeUndefined();
    expect(saleCurrencyRefusal(parsedOk({ ...seedLike, currency: null }).request, 'KZT')).toBeUndefined();
    expect(
      saleCurrencyRefusal(parsedOk({ ...seedLike, currency: undefined }).request, 'RUB'),
    ).toBeUndefined();
    expect(saleCurrencyRefusal(parsedOk({ ...seedLike, currency: 'RUB' }).request, 'RUB')).toBeUndefined();
    const unknown = saleCurrencyRefusal(parsedOk({ ...seedLike, currency: 'EUR' }).request, 'KZT');
    expect(unknown?.message).toContain('неизвестная валюта "EUR"');
    expect(saleCurrencyOf(' тенге ')).toBe('KZT');
    expect(saleCurrencyOf('398')).toBe('KZT');
    expect(saleCurrencyOf('RUR')).toBe('RUB');
    expect(saleCurrencyOf('₽')).toBe('RUB');
  });

  it('6 for a shift the register reports closed (or over 24 hours), keeping the device text', () => {
    const closed = saleAnswerForError(cashCoreError(35));
    expect(closed.code).toBe(SALE_CODE.SHIFT_NOT_OPEN);
    expect(saleAnswerForError(ikkmError(-3))).toMatchObject({ code: SALE_CODE.SHIFT_NOT_OPEN });
    expect(saleAnswerForError(ikkmError(-3)).message).toContain('смена привысила 24 часа');
  });

  it('7 for a payment kind the register does not take, naming the field and what it takes', () => {
    const converted = saleRequestToCommand(
      parsedOk({ ...seedLike, payments: { bonusesAmount: 35000 } }).request,
      {
        paymentKinds: ['cash', 'card'],
      },
    );
    expect(converted).toMatchObject({ ok: false, answer: { code: SALE_CODE.PAYMENT_TYPE_UNSUPPORTED } });
    if (!converted.ok) expect(converted.answer.message).toMatch(/^payments\.bonusesAmount: .*cash, card/);
  });

  it('8 for a document paid less than its amount (or not at all)', () => {
    for (const payments of [{ cashAmount: 100 }, {}, null]) {
      const converted = saleRequestToCommand(parsedOk({ ...seedLike, payments }).request, {
        paymentKinds: allKinds,
      });
      expect(converted).toMatchObject({ ok: false, answer: { code: SALE_CODE.NOT_FULLY_PAID } });
    }
    expect(saleAnswerForError(cashCoreError(56)).code).toBe(SALE_CODE.NOT_FULLY_PAID);
  });

  it('4 only for the amount against the items; a device refusal of the content is 5 with its own text, not 3', () => {
    const mismatch = saleRequestToCommand(
      parsedOk({ ...seedLike, amount: 1, payments: { cashAmount: 1 } }).request,
      {
        paymentKinds: allKinds,
      },
    );
    expect(mismatch).toMatchObject({ ok: false, answer: { code: SALE_CODE.SUM_MISMATCH } });
    if (!mismatch.ok) expect(mismatch.answer.message).toMatch(/^amount: /);
    // Cash core 45 (items) / 49 (discount) / 14 iKKM tax: the register refused what the document holds.
    for (const error of [
      cashCoreError(45),
      cashCoreError(48),
      cashCoreError(55),
      ikkmError(-14),
      ikkmError(-9),
    ]) {
      const answer = saleAnswerForError(error);
      expect(answer.code, error.message).toBe(SALE_CODE.INTERNAL);
      expect(answer.message).toContain(error.device?.text);
    }
    // Our own refusal of a field is 3.
    expect(saleAnswerForError(canonicalError('INVALID_ITEMS', 'items[0]: x')).code).toBe(
      SALE_CODE.MISSING_FIELDS,
    );
  });
});
