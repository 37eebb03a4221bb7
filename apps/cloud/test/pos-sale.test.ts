import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SaleBody, saleBody as sharedSaleBody } from '@kassa-relay/testing';
import { join } from 'node:path';
import {
  type SaleAnswer,
  saleAnswerSchema,
  WS_ERROR_CODES,
  wsAnswerSchema,
  wsErrorDataSchema,
} from '@kassa-relay/protocol';
import { stopLocalPostgres } from '@kassa-relay/postgres-server';
import { addSimFault, clearSimFaults, CloudWorld, PosWsClient, postSale, waitUntil } from './cloud-world';

type Kind = 'ikkm' | 'cashCore';
const KINDS: Kind[] = ['ikkm', 'cashCore'];

/** A seed 001 sale: two lines (1 × 1500.00 and 0.5 kg × 400.00 = 200.00) with VAT 12 % included. */
function saleBody(overrides: Partial<SaleBody> = {}) {
  return sharedSaleBody(`A-${randomUUID().slice(0, 8)}`, 170_000, {
    docTime: '2026-11-23 10:15:00',
    wsName: 'Касса 1',
    departmentName: 'Магазин на Абая',
    items: [
      {
        itemId: '1001',
        itemName: 'Кофе в зёрнах',
        itemQty: 1000,
        itemAmount: 150_000,
        discount: 0,
        itemTaxes: [{ taxName: 'НДС', taxPrc: 1200, calcType: 1 }],
      },
      {
        itemId: '1002',
        itemName: 'Сыр весовой',
        itemQty: 500,
        itemAmount: 20_000,
        itemTaxes: [{ taxName: 'НДС', taxPrc: 1200, calcType: 1 }],
        itemMarginSum: null,
        itemMarginPrice: null,
      },
    ],
    ...overrides,
  });
}

describe('POST /sale (seed 001) through the cloud process, a real agent and both simulators', () => {
  // The last test stops the cloud's PostgreSQL: a server of its own, not the run's shared one.
  const world = new CloudWorld({ embeddedDatabase: true });
  beforeAll(async () => {
    await world.start();
    await world.seedStore();
    await world.startAgent();
  }, 120_000);
  afterAll(() => world.close());

  const sim = (kind: Kind) => (kind === 'ikkm' ? world.ikkm : world.cashCore);
  const printed = async () =>
    (
      (await (await fetch(`${world.ikkm.url}/_sim/printer`)).json()) as {
        documents: { source: string; lines: string[] }[];
      }
    ).documents;
  const sales = async (kind: Kind) =>
    (await world.journal(sim(kind))).filter((entry) => entry.kind === 'sale');

  /** Every answer is HTTP 200 with the seed's body, validated by the protocol's schema. */
  async function sale(kind: Kind | { key: string | undefined }, body: string | object): Promise<SaleAnswer> {
    const key = typeof kind === 'string' ? world.seed!.posKeys[kind] : kind.key;
    const { status, answer } = await postSale(world.cloud.url, key, body);
    expect(status).toBe(200);
    return saleAnswerSchema.strict().parse(answer);
  }

  /** The ledger records the register's result right after the answer went out: wait for it. */
  const recorded = (where: { fiscalId: string }) =>
    waitUntil(
      async () =>
        (await world.prisma.fiscalDocument.count({ where: { ...where, completedAt: { not: null } } })) > 0,
      10_000,
      `document ${where.fiscalId} recorded`,
    );

  const documentOf = (kind: Kind, docNumber: string, amount = 170_000) =>
    world.prisma.fiscalDocument.findUnique({
      where: {
        registerId_idempotencyKey: {
          registerId: world.seed!.registers[kind],
          idempotencyKey: `sale:2026-11-23 10:15:00|${docNumber}|${amount}`,
        },
      },
    });

  for (const kind of KINDS) {
    it(`${kind}: fiscalizes a sale (code 0) and records it`, async () => {
      const before = (await sales(kind)).length;
      const body = saleBody({ payments: { cashAmount: 100_000, cashlessAmount: 70_000 } });
      const answer = await sale(kind, body);
      expect(answer).toMatchObject({ status: 'success', code: 0 });
      expect(answer.fiscalID).toMatch(/\S/);
      expect(answer.checkNum).toMatch(/^\d+$/);
      expect(answer.fiscalNum).toMatch(/^\d+$/);
      expect(answer.documentID).toBeGreaterThan(0);
      expect(answer.printError).toBeUndefined();

      const journal = await sales(kind);
      expect(journal).toHaveLength(before + 1);
      expect(journal.at(-1)!.total).toBe(170_000);

      await recorded({ fiscalId: answer.fiscalID! });
      const row = await documentOf(kind, body.docNumber);
      expect(row).toMatchObject({
        kind: 'receipt',
        operation: 'sale',
        status: 'done',
        originChannel: 'sale',
        originActor: `pos-key:${world.seed!.posKeyIds[kind]}`,
        total: 170_000n,
        fiscalId: answer.fiscalID,
        checkNumber: Number(answer.checkNum),
      });
      expect(row!.payments).toEqual([
        { kind: 'cash', amount: 100_000 },
        { kind: 'card', amount: 70_000 },
      ]);
      expect(row!.answer).toEqual(answer);
      expect(row!.completedAt).not.toBeNull();
    });

    it(`${kind}: cash over the total is change, given back`, async () => {
      const answer = await sale(kind, saleBody({ payments: { cashAmount: 200_000 } }));
      expect(answer).toMatchObject({ status: 'success', code: 0 });
      await recorded({ fiscalId: answer.fiscalID! });
      const row = await world.prisma.fiscalDocument.findFirst({ where: { fiscalId: answer.fiscalID! } });
      expect(row).toMatchObject({ status: 'done', total: 170_000n, change: 30_000n });
    });

    it(`${kind}: refuses bad requests with codes 1–4, 7 and 8 before any register is touched`, async () => {
      const before = (await sales(kind)).length;
      const key = world.seed!.posKeys[kind];
      expect(await sale({ key: undefined }, saleBody())).toMatchObject({ status: 'error', code: 1 });
      expect(await sale({ key: 'kr_pos_not-a-key' }, saleBody())).toMatchObject({ status: 'error', code: 1 });
      // A key used with another register's id is refused too.
      const other = kind === 'ikkm' ? world.seed!.registers.cashCore : world.seed!.registers.ikkm;
      const foreign = await fetch(`${world.cloud.url}/sale?register=${other}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}` },
        body: JSON.stringify(saleBody()),
      });
      expect(saleAnswerSchema.parse(await foreign.json())).toMatchObject({ status: 'error', code: 1 });

      expect(await sale(kind, '{"docNumber": "A-1", ')).toMatchObject({ status: 'error', code: 2 });
      expect(await sale(kind, '[1, 2]')).toMatchObject({ status: 'error', code: 2 });
      expect(await sale(kind, '')).toMatchObject({ status: 'error', code: 2 });

      const missing = await sale(kind, { docNumber: 'A-2', amount: 100 });
      expect(missing).toMatchObject({ status: 'error', code: 3 });
      expect(missing.message).toContain('employeeName');
      expect(missing.message).toContain('items');
      expect(await sale(kind, saleBody({ docTime: '23.11.2026 10:15' }))).toMatchObject({ code: 3 });

      const mismatch = await sale(kind, saleBody({ amount: 170_100, payments: { cashAmount: 170_100 } }));
      expect(mismatch).toMatchObject({ status: 'error', code: 4 });
      expect(mismatch.message).toContain('170000');

      // Neither register takes bonuses; the cash core takes no credit either (the iKKM does).
      const bonuses = await sale(
        kind,
        saleBody({ payments: { cashAmount: 100_000, bonusesAmount: 70_000 } }),
      );
      expect(bonuses).toMatchObject({ status: 'error', code: 7 });
      expect(bonuses.message).toContain('bonusesAmount');
      if (kind === 'cashCore') {
        const credit = await sale(kind, saleBody({ payments: { creditAmount: 170_000 } }));
        expect(credit).toMatchObject({ status: 'error', code: 7 });
      }

      const unpaid = await sale(
        kind,
        saleBody({ payments: { cashAmount: 100_000, cashlessAmount: 20_000 } }),
      );
      expect(unpaid).toMatchObject({ status: 'error', code: 8 });
      expect(await sale(kind, saleBody({ payments: undefined }))).toMatchObject({ status: 'error', code: 8 });

      expect(await sales(kind)).toHaveLength(before);
    });

    it(`${kind}: a register's own refusal answers code 5 with the device's reason, and is not stored as final`, async () => {
      const before = (await sales(kind)).length;
      if (kind === 'ikkm') await addSimFault(world.ikkm, { kind: 'error', match: '/api', code: -6 });
      else await addSimFault(world.cashCore, { kind: 'error', match: 'TradeOperation', code: 62 });
      const body = saleBody();
      try {
        const refused = await sale(kind, body);
        expect(refused).toMatchObject({ status: 'error', code: 5 });
        expect(refused.message).toMatch(kind === 'ikkm' ? /принтер/i : /заблокирован/i);
        expect(await documentOf(kind, body.docNumber)).toMatchObject({ status: 'failed', fiscalId: null });
      } finally {
        await clearSimFaults(sim(kind));
      }
      // The client's retry of the same document is a new attempt, and now it is fiscalized.
      const retried = await sale(kind, body);
      expect(retried).toMatchObject({ status: 'success', code: 0 });
      expect(await sales(kind)).toHaveLength(before + 1);
      expect(await documentOf(kind, body.docNumber)).toMatchObject({
        status: 'done',
        fiscalId: retried.fiscalID,
      });
    });

    it(`${kind}: the same docTime + docNumber + amount again is reprinted, never fiscalized twice`, async () => {
      const body = saleBody();
      const first = await sale(kind, body);
      expect(first).toMatchObject({ status: 'success', code: 0 });
      const after = (await sales(kind)).length;

      const repeat = await sale(kind, body);
      expect(await sales(kind)).toHaveLength(after);
      if (kind === 'ikkm') {
        expect(repeat).toEqual(first);
        // The repeat went to the register as a copy of that receipt ("повторная печать без фискализации").
        const reprint = await world.prisma.fiscalDocument.findFirstOrThrow({
          where: { registerId: world.seed!.registers[kind], kind: 'receipt.reprint', originChannel: 'sale' },
          orderBy: { requestedAt: 'desc' },
        });
        expect(reprint.requestedAt.getTime()).toBeGreaterThan(
          (await documentOf(kind, body.docNumber))!.requestedAt.getTime(),
        );
        // The iKKM prints copies of its last receipt only; this one is it, and the copy is on paper.
        expect(reprint.command).toMatchObject({ command: { document: { last: true } } });
        const paper = await printed();
        const original = paper.filter((document) => document.source === 'receipt').at(-1)!;
        expect(paper.at(-1)).toMatchObject({ source: 'reprint', lines: ['КОПИЯ', ...original.lines] });
        await waitUntil(
          async () =>
            (await world.prisma.fiscalDocument.findUnique({ where: { id: reprint.id } }))?.status === 'done',
          10_000,
          'the reprint recorded',
        );
      } else {
        // Seed 003 has no call that prints a copy: the stored answer, and printError saying so.
        expect(repeat).toEqual({ ...first, printError: 1, message: expect.stringMatching(/копи/) });
      }

      // Another amount is another document (seed 001: the key is all three fields).
      const other = await sale(
        kind,
        saleBody({
          docNumber: body.docNumber,
          amount: 150_000,
          items: body.items.slice(0, 1),
          payments: { cashAmount: 150_000 },
        }),
      );
      expect(other).toMatchObject({ status: 'success', code: 0 });
      expect(other.fiscalID).not.toBe(first.fiscalID);
      expect(await sales(kind)).toHaveLength(after + 1);
      await recorded({ fiscalId: other.fiscalID! });

      // The first document again: still its answer, never a new receipt. The iKKM cannot copy a
      // receipt that is no longer its last, and says so in printError/message.
      const late = await sale(kind, body);
      expect(await sales(kind)).toHaveLength(after + 1);
      if (kind === 'ikkm') {
        expect(late).toMatchObject({ ...first, printError: 1 });
        expect(late.message).toContain('последнего чека');
      } else {
        expect(late).toEqual({ ...first, printError: 1, message: expect.stringMatching(/копи/) });
      }

      // A reprint asked for by fiscalID (seed 001's `fiscalID` field) of the register's last receipt.
      const copy = await sale(kind, saleBody({ docTime: null, fiscalID: other.fiscalID }));
      expect(copy).toMatchObject({ status: 'success', code: 0 });
      // …and of an older one: the cash core finds it; the iKKM cannot print it and says why.
      const older = await sale(kind, saleBody({ docTime: null, fiscalID: first.fiscalID }));
      if (kind === 'ikkm') {
        expect(older).toMatchObject({ status: 'error', code: 5 });
        expect(older.message).toContain('последнего чека');
      } else {
        expect(older).toMatchObject({ status: 'success', code: 0, fiscalID: first.fiscalID, printError: 1 });
      }
      expect(await sales(kind)).toHaveLength(after + 1);
    });

    it(`${kind}: five identical requests at once make one receipt and one answer`, async () => {
      const before = (await sales(kind)).length;
      const body = saleBody();
      const answers = await Promise.all(Array.from({ length: 5 }, () => sale(kind, body)));
      for (const answer of answers) expect(answer).toMatchObject({ status: 'success', code: 0 });
      expect(new Set(answers.map((answer) => answer.fiscalID)).size).toBe(1);
      expect(await sales(kind)).toHaveLength(before + 1);
      expect(
        await world.prisma.fiscalDocument.count({
          where: {
            registerId: world.seed!.registers[kind],
            kind: 'receipt',
            fiscalId: answers[0]!.fiscalID!,
          },
        }),
      ).toBe(1);
    });

    it(`${kind}: a reprint of an unknown fiscalID answers code 9`, async () => {
      const answer = await sale(kind, saleBody({ fiscalID: '999999999999', docTime: null }));
      expect(answer).toMatchObject({ status: 'error', code: 9 });
    });
  }

  it('cash core: a register that says the shift is not open answers code 6; after the shift is opened the same document is fiscalized', async () => {
    const seed = world.seed!;
    const ws = await PosWsClient.connect(world.cloud.url, seed.posKeys.cashCore, 'header');
    try {
      const close = wsAnswerSchema.parse(
        await ws.call({ event: 'close_shift', data: { cashier: 'Иванова А.' } }),
      );
      expect(close).toMatchObject({ event: 'onclose_shift', data: { error: false } });
      // The core opens a shift with its first document; this register is set to refuse instead,
      // as a core does with response_code 35 (kkm_shift_state_is_not_opened).
      await addSimFault(world.cashCore, { kind: 'error', match: 'TradeOperation', code: 35 });
      const before = (await sales('cashCore')).length;
      const body = saleBody();
      const refused = await sale('cashCore', body);
      expect(refused).toMatchObject({ status: 'error', code: 6 });
      expect(await documentOf('cashCore', body.docNumber)).toMatchObject({ status: 'failed' });

      const open = wsAnswerSchema.parse(
        await ws.call({ event: 'open_shift', data: { cashier: 'Иванова А.' } }),
      );
      expect(open).toMatchObject({ event: 'onopen_shift', data: { error: false } });
      const fiscalized = await sale('cashCore', body);
      expect(fiscalized).toMatchObject({ status: 'success', code: 0 });
      expect(await sales('cashCore')).toHaveLength(before + 1);
      const row = await documentOf('cashCore', body.docNumber);
      expect(row).toMatchObject({ status: 'done', fiscalId: fiscalized.fiscalID, answer: fiscalized });
      // One document, one row: the new attempt re-armed the refused one.
      expect(
        await world.prisma.fiscalDocument.count({
          where: { registerId: seed.registers.cashCore, idempotencyKey: row!.idempotencyKey },
        }),
      ).toBe(1);
    } finally {
      ws.close();
      await clearSimFaults(world.cashCore);
    }
  });

  it('a sale without docTime has no uniqueness control: each request is a new receipt', async () => {
    const before = (await sales('cashCore')).length;
    const body = saleBody({ docTime: undefined });
    const first = await sale('cashCore', body);
    const second = await sale('cashCore', body);
    expect(first).toMatchObject({ code: 0 });
    expect(second).toMatchObject({ code: 0 });
    expect(second.fiscalID).not.toBe(first.fiscalID);
    expect(await sales('cashCore')).toHaveLength(before + 2);
    await waitUntil(
      async () =>
        (await world.prisma.fiscalDocument.count({
          where: { fiscalId: { in: [first.fiscalID!, second.fiscalID!] }, status: 'done' },
        })) === 2,
      10_000,
      'both documents recorded',
    );
  });
  // Last: it takes the database away from the running cloud.
  it('without its database the cloud still answers in the protocols’ words (code 5, INTERNAL), never HTTP 500', async () => {
    const seed = world.seed!;
    // Keys and routes were looked up moments ago (cached), so the request reaches the sale logic.
    expect(await sale('cashCore', saleBody())).toMatchObject({ code: 0 });
    const ws = await PosWsClient.connect(world.cloud.url, seed.posKeys.cashCore, 'header');
    try {
      stopLocalPostgres(join(world.dir.path, 'cloud', 'postgres'));
      const answer = await sale('cashCore', saleBody());
      expect(answer).toMatchObject({ status: 'error', code: 5 });
      expect(answer.message).toMatch(/\S/);
      const frame = await ws.call({ event: 'z_report' });
      expect(frame.event).toBe('onz_report');
      expect(wsErrorDataSchema.parse(frame.data).error_code).toBe(WS_ERROR_CODES.INTERNAL);
      // The process is still up and answering.
      expect((await postSale(world.cloud.url, seed.posKeys.cashCore, '{')).answer).toMatchObject({ code: 2 });
    } finally {
      ws.close();
    }
  });
});
