import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Json, type SimHandle, kkm6923, seedTradeOperation, startSim } from './helpers';

let sim: SimHandle;
beforeEach(async () => {
  sim = await startSim();
});
afterEach(async () => {
  await sim.close();
});

const commodity = (overrides: Json = {}) => ({
  name: 'Товар',
  section_code: '1',
  quantity: 1,
  price: 100,
  sum: 100,
  measure_unit_code: '796',
  taxes: [],
  ...overrides,
});

function receipt(overrides: Json = {}): Json {
  return {
    kkm_ofd_id: 6923,
    operation: 2,
    items: [{ type: 1, commodity: commodity() }],
    payments: [{ type: 0, sum: 100 }],
    ...overrides,
  };
}

async function expectCode(body: Json, code: number, constant?: string) {
  const answer = await sim.call('TradeOperation', body);
  expect(answer.response_code, JSON.stringify(answer.response_data)).toBe(code);
  if (constant) expect(answer.response_data).toMatch(new RegExp(`^${constant}`));
  return answer;
}

const tax = (percent: number, sum: number, taxation_type = 101) => ({
  taxation_type,
  percent,
  sum,
  is_in_total_sum: true,
});

describe('TradeOperation totals', () => {
  it('the seed example: 2 × 1000 − 50 − 200 = 1750; cash 1000 + card 1000 → change 250, cash line 750', async () => {
    const answer = await expectCode(seedTradeOperation(), 0);
    const body = answer.response_data.body;
    expect(body.amounts.total).toEqual({ bills: 1750, coins: 0 });
    expect(body.amounts.taken).toEqual({ bills: 1000, coins: 0 });
    expect(body.amounts.change).toEqual({ bills: 250, coins: 0 });
    expect(body.paymentsList).toEqual([
      { type: 0, sum: { bills: 750, coins: 0 } },
      { type: 1, sum: { bills: 1000, coins: 0 } },
    ]);
    const kkm = await kkm6923(sim);
    expect(kkm.cash_sum).toBe(750);
    expect(kkm.revenue).toBe(1750);
    const journal = await sim.control('GET', 'journal');
    expect(journal.entries).toHaveLength(1);
    expect(journal.entries[0]).toMatchObject({
      kind: 'sale',
      operation: 'OPERATION_SELL',
      kkmOfdId: 6923,
      shiftNumber: 118,
      shiftDocumentNumber: 1,
      total: 175000,
      change: 25000,
      payments: [
        { type: 0, sum: 75000 },
        { type: 1, sum: 100000 },
      ],
      fiscalNumber: answer.response_data.fiscal_id,
    });
  });

  it('tiyn arithmetic is exact: 3 × 0.10 + 0.29 + 0.333 × 1.99 = 1.25', async () => {
    const answer = await expectCode(
      receipt({
        items: [
          { type: 1, commodity: commodity({ price: 0.1, quantity: 3, sum: 0.3 }) },
          { type: 1, commodity: commodity({ price: 0.29, quantity: 1, sum: 0.29 }) },
          { type: 1, commodity: commodity({ price: 1.99, quantity: 0.333, sum: 0.66 }) },
        ],
        payments: [{ type: 1, sum: 1.25 }],
      }),
      0,
    );
    expect(answer.response_data.body.amounts.total).toEqual({ bills: 1, coins: 25 });
    expect(answer.response_data.body.itemsList[2].commodity.quantity).toBe(333);
  });

  it('the older item form: a type 5 discount and type 3 markup item after their commodity', async () => {
    const answer = await expectCode(
      receipt({
        items: [
          { type: 1, commodity: commodity() },
          { type: 5, discount: { name: 'скидка', sum: 10 } },
          { type: 1, commodity: commodity({ section_code: '2' }) },
          { type: 3, markup: { name: 'наценка', sum: 5 } },
        ],
        payments: [{ type: 0, sum: 200 }],
      }),
      0,
    );
    const body = answer.response_data.body;
    expect(body.amounts.total).toEqual({ bills: 195, coins: 0 });
    expect(body.itemsList.map((i: Json) => i.type)).toEqual([1, 5, 1, 3]);
    expect(body.amounts.change).toEqual({ bills: 5, coins: 0 });
  });

  it('a receipt markup adds to the total; taken/change given explicitly must match', async () => {
    const answer = await expectCode(
      receipt({
        amounts: { markup: { name: 'сервис', sum: 10 }, taken: 200, change: 90 },
        payments: [{ type: 0, sum: 200 }],
      }),
      0,
    );
    expect(answer.response_data.body.amounts.total).toEqual({ bills: 110, coins: 0 });
    expect(answer.response_data.body.amounts.markup.sum).toEqual({ bills: 10, coins: 0 });
  });

  it('mobile payments count as non-cash', async () => {
    const answer = await expectCode(receipt({ payments: [{ type: 4, sum: 100 }] }), 0);
    expect(answer.response_data.body.paymentsList).toEqual([{ type: 4, sum: { bills: 100, coins: 0 } }]);
    expect((await kkm6923(sim)).cash_sum).toBe(0);
  });
});

describe('TradeOperation validation (seed rules and codes)', () => {
  it('items: undefined 44, empty 45, commodity missing 46, unknown type 50', async () => {
    await expectCode(receipt({ items: undefined }), 44, 'items_list_undefined');
    await expectCode(receipt({ items: [] }), 45, 'items_list_is_empty');
    await expectCode(receipt({ items: [{ type: 1 }] }), 46, 'item_commodity_undefined');
    await expectCode(receipt({ items: [{ type: 5, discount: { sum: 1 } }] }), 46);
    await expectCode(receipt({ items: [{ type: 2, commodity: commodity() }] }), 50, 'unknown_item_type');
    await expectCode(receipt({ items: [{ commodity: commodity() }] }), 50);
  });

  it('item discount/markup missing for type 5/3: 48, 49', async () => {
    await expectCode(
      receipt({ items: [{ type: 1, commodity: commodity() }, { type: 5 }] }),
      48,
      'item_discount_undefined',
    );
    await expectCode(
      receipt({ items: [{ type: 1, commodity: commodity() }, { type: 3 }] }),
      49,
      'item_markup_undefined',
    );
  });

  it('quantity 47, price 94, sum 95 (negative, missing, wrong, too many decimals)', async () => {
    await expectCode(
      receipt({ items: [{ type: 1, commodity: commodity({ quantity: 0 }) }] }),
      47,
      'item_quantity_is_incorrect',
    );
    await expectCode(receipt({ items: [{ type: 1, commodity: commodity({ quantity: -1 }) }] }), 47);
    await expectCode(receipt({ items: [{ type: 1, commodity: commodity({ quantity: 0.0001 }) }] }), 47);
    await expectCode(receipt({ items: [{ type: 1, commodity: commodity({ quantity: '1' }) }] }), 47);
    await expectCode(
      receipt({ items: [{ type: 1, commodity: commodity({ price: -100 }) }] }),
      94,
      'item_price_is_incorrect',
    );
    await expectCode(receipt({ items: [{ type: 1, commodity: commodity({ price: undefined }) }] }), 94);
    await expectCode(
      receipt({ items: [{ type: 1, commodity: commodity({ sum: -100 }) }] }),
      95,
      'item_sum_is_incorrect',
    );
    await expectCode(receipt({ items: [{ type: 1, commodity: commodity({ sum: 150 }) }] }), 95);
    await expectCode(receipt({ items: [{ type: 1, commodity: commodity({ sum: 100.001 }) }] }), 95);
  });

  it('measure unit 81 and section code 82 must not be empty', async () => {
    await expectCode(
      receipt({ items: [{ type: 1, commodity: commodity({ measure_unit_code: '' }) }] }),
      81,
      'measure_unit_code_is_empty',
    );
    await expectCode(
      receipt({ items: [{ type: 1, commodity: commodity({ measure_unit_code: undefined }) }] }),
      81,
    );
    await expectCode(
      receipt({ items: [{ type: 1, commodity: commodity({ section_code: ' ' }) }] }),
      82,
      'section_code_is_empty',
    );
    await expectCode(
      receipt({ items: [{ type: 1, commodity: commodity({ section_code: undefined }) }] }),
      82,
    );
  });

  it('discounts vs markups: negative 63/64, both 65 (item and receipt), discount ≥ total 59', async () => {
    const item = (extra: Json) => ({ items: [{ type: 1, commodity: commodity(), ...extra }] });
    await expectCode(receipt(item({ discount: { sum: -1 } })), 63, 'discount_sum_is_negative');
    await expectCode(receipt(item({ markup: { sum: -1 } })), 64, 'markup_sum_is_negative');
    await expectCode(
      receipt(item({ discount: { sum: 1 }, markup: { sum: 1 } })),
      65,
      'discount_and_markup_are_mutually_exclusive',
    );
    await expectCode(receipt({ amounts: { discount: { sum: 1 }, markup: { sum: 1 } } }), 65);
    await expectCode(receipt({ amounts: { discount: { sum: -1 } } }), 63);
    await expectCode(receipt({ amounts: { markup: { sum: -1 } } }), 64);
    await expectCode(receipt(item({ discount: { sum: 100 } })), 59, 'discount_sum_must_be_less_than_total');
    await expectCode(receipt({ amounts: { discount: { sum: 100 } } }), 59);
    // A zero markup next to a discount is not a conflict (the seed's own example sends one).
    await expectCode(
      receipt({ amounts: { discount: { sum: 10 }, markup: { sum: 0 } }, payments: [{ type: 0, sum: 90 }] }),
      0,
    );
  });

  it('taxes: per item and per receipt are exclusive 88, duplicate percent 89, taxation type 60', async () => {
    await expectCode(
      receipt({
        items: [{ type: 1, commodity: commodity({ taxes: [tax(12, 10.71)] }) }],
        taxes: [tax(12, 10.71)],
      }),
      88,
      'items_taxes_and_ticket_taxes_are_mutually_exclusive',
    );
    await expectCode(
      receipt({ taxes: [tax(12, 10.71), tax(12, 1)] }),
      89,
      'tax_percentage_is_already_present',
    );
    await expectCode(
      receipt({ items: [{ type: 1, commodity: commodity({ taxes: [tax(12, 10.71), tax(12.0, 1)] }) }] }),
      89,
    );
    await expectCode(receipt({ taxes: [tax(12, 10.71, 99)] }), 60, 'taxation_type_is_incorrect');
    await expectCode(receipt({ taxes: [tax(12, -1)] }), 53);
    await expectCode(receipt({ taxes: [tax(120, 1)] }), 2);
    // Different percents, item-level, with a tax on top of the price.
    const ok = await expectCode(
      receipt({
        items: [
          { type: 1, commodity: commodity({ taxes: [tax(12, 10.71)] }) },
          {
            type: 1,
            commodity: commodity({ sum: 112, taxes: [{ ...tax(12, 12), is_in_total_sum: false }] }),
          },
        ],
        payments: [{ type: 0, sum: 212 }],
      }),
      0,
    );
    expect(ok.response_data.body.itemsList[0].commodity.taxesList).toEqual([
      { percent: 12000, sum: { bills: 10, coins: 71 }, is_in_total_sum: true },
    ]);
  });

  it('payments: negative 53, non-cash above total 55, paid below total 57, taken/change mismatch 56, duplicate type 2', async () => {
    await expectCode(receipt({ payments: [{ type: 0, sum: -100 }] }), 53, 'money_value_is_negative');
    await expectCode(receipt({ payments: [{ type: 1, sum: 150 }] }), 55, 'card_sum_is_greater_than_total');
    await expectCode(
      receipt({
        payments: [
          { type: 1, sum: 60 },
          { type: 4, sum: 60 },
        ],
      }),
      55,
    );
    await expectCode(receipt({ payments: [{ type: 0, sum: 99.99 }] }), 57, 'paid_sum_is_less_than_total');
    await expectCode(receipt({ payments: [] }), 57);
    await expectCode(
      receipt({ payments: [{ type: 0, sum: 200 }], amounts: { taken: 150 } }),
      56,
      'paid_sum_is_incorrect',
    );
    await expectCode(receipt({ payments: [{ type: 0, sum: 200 }], amounts: { change: 50 } }), 56);
    await expectCode(receipt({ payments: [{ type: 0, sum: 200 }], amounts: { taken: -1 } }), 53);
    await expectCode(
      receipt({
        payments: [
          { type: 0, sum: 50 },
          { type: 0, sum: 50 },
        ],
      }),
      2,
    );
    await expectCode(receipt({ payments: [{ type: 2, sum: 100 }] }), 2);
  });

  it('amounts: not an object 51, a wrong total 52, a zero total to pay 54', async () => {
    await expectCode(receipt({ amounts: 5 }), 51, 'amounts_undefined');
    await expectCode(receipt({ amounts: { total: 99 } }), 52, 'amounts_total_is_incorrect');
    await expectCode(receipt({ amounts: { total: -1 } }), 52);
    await expectCode(
      receipt({ items: [{ type: 1, commodity: commodity({ price: 0, sum: 0 }) }], payments: [] }),
      54,
      'sum_to_pay_is_incorrect',
    );
  });

  it('the same IIN for seller and customer is 77; a malformed IIN is 2', async () => {
    await expectCode(receipt({ customer_iin_or_bin: '910812450255' }), 77, 'same_taxpayer_and_customer');
    await expectCode(receipt({ customer_iin_or_bin: '12345' }), 2);
  });

  it('register and field errors: unknown register 61, bad operation 2, bad image params 2, wrong types 2', async () => {
    await expectCode(receipt({ kkm_ofd_id: 1 }), 61, 'invalid_kkm_ofd_id');
    await expectCode(receipt({ kkm_ofd_id: undefined }), 2);
    await expectCode(receipt({ operation: 9 }), 2);
    await expectCode(receipt({ image_pixel_draw_threshold: 256 }), 2);
    await expectCode(receipt({ image_width: 0 }), 2);
    await expectCode(receipt({ image_scale: -1 }), 2);
    await expectCode(receipt({ items: 'many' }), 44);
    await expectCode(receipt({ items: [{ type: 1, commodity: commodity({ name: 5 }) }] }), 2);
    await expectCode(receipt({ payments: { type: 0 } }), 2);
  });

  it('a refused receipt changes nothing: counters, drawer, journal', async () => {
    await expectCode(receipt(), 0);
    const before = await kkm6923(sim);
    await expectCode(receipt({ payments: [{ type: 0, sum: 1 }] }), 57);
    await expectCode(
      receipt({
        operation: 3,
        payments: [{ type: 0, sum: 500 }],
        items: [{ type: 1, commodity: commodity({ price: 500, sum: 500 }) }],
      }),
      58,
    );
    expect(await kkm6923(sim)).toEqual(before);
    expect((await sim.control('GET', 'journal')).entries).toHaveLength(1);
  });

  it('sale returns and purchases pay cash out of the drawer (58 if it is not there); purchase returns take it in', async () => {
    await expectCode(receipt({ operation: 3 }), 58, 'not_enough_cash');
    await expectCode(receipt({ operation: 0 }), 58);
    await expectCode(receipt({ payments: [{ type: 0, sum: 100 }] }), 0); // cash 100
    const saleReturn = await expectCode(receipt({ operation: 3 }), 0);
    expect(saleReturn.response_data.body.operation).toBe(3);
    expect((await kkm6923(sim)).cash_sum).toBe(0);
    await expectCode(receipt({ operation: 1 }), 0); // purchase return: +100
    await expectCode(receipt({ operation: 0, payments: [{ type: 0, sum: 100 }] }), 0); // purchase: −100
    const kkm = await kkm6923(sim);
    expect(kkm.cash_sum).toBe(0);
    expect(kkm.revenue).toBe(0);
    expect(kkm.non_nullable_sums).toEqual([1853, 223, 728086.98, 31376]);
    const kinds = (await sim.control('GET', 'journal')).entries.map((e: Json) => e.kind);
    expect(kinds).toEqual(['sale', 'saleReturn', 'purchaseReturn', 'purchase']);
  });

  it('a blocked register answers 62 before the receipt is looked at', async () => {
    await sim.control('POST', 'register', { blocked: true, blockedInfo: 'КГД' });
    await expectCode(receipt({ items: [] }), 62, 'kkm_is_blocked');
    expect((await kkm6923(sim)).is_blocked).toBe(true);
  });
});
