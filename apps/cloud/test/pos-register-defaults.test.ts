import { join } from 'node:path';
import { startCashCoreSimulator } from '@kassa-relay/cash-core-sim';
import { startIkkmSimulator } from '@kassa-relay/ikkm-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SALE_CODE,
  WS_ERROR_CODES,
  saleAnswerSchema,
  wsNewTransactionAnswerSchema,
} from '@kassa-relay/protocol';
import { AdminClient } from './admin-client';
import { CloudWorld, PosWsClient, postSale, waitUntil } from './cloud-world';

type Kind = 'ikkm' | 'cashCore';
interface RegisterDetails {
  id: string;
  currency: string;
  state: { reachable: boolean | null };
  taxTable: { percent: number; name?: string; registerCode?: string; exempt?: boolean }[];
}

const ware = (taxNumber: unknown) => ({
  name: 'Чай',
  barcode: '4870001',
  tax_number: taxNumber,
  price: 100,
  quantity: 1,
});
const newTransaction = (taxNumber: unknown) => ({
  event: 'new_transaction',
  data: { cashier: 'Сидр Петров', doc_type: 2, pyment_type: 0, wares: [ware(taxNumber)] },
});

/**
 * Issue 12, items 2, 3 and 6 end to end: registers created through the admin API with no tax
 * table get their kind's and country's default and take seed 000's `tax_number` 0 at once; what
 * real clients send (BOM, numbers as strings, nulls, ISO docTime, unknown fields) is accepted;
 * a `/sale` in another currency is refused before anything is printed.
 */
describe('new registers work out of the box; POS input is read liberally', () => {
  const world = new CloudWorld();
  let api: AdminClient;
  const sims: { url: string; close(): Promise<void> }[] = [];
  const registers: Record<Kind, string> = { ikkm: '', cashCore: '' };
  const keys: Record<Kind, string> = { ikkm: '', cashCore: '' };

  beforeAll(async () => {
    await world.start();
    const seed = await world.seedStore();
    await world.startAgent();
    api = new AdminClient(world.cloud.url, await world.adminToken());
    // Devices of their own: the seeded registers keep theirs (an iKKM key rotates per register).
    const ikkm = await startIkkmSimulator({
      port: 0,
      key: '33334444',
      stateDir: join(world.dir.path, 'ikkm-new'),
      acceptDecimals: true,
    });
    const cashCore = await startCashCoreSimulator({
      port: 0,
      stateDir: join(world.dir.path, 'cc-new'),
      adminPin: '0000',
    });
    sims.push(ikkm, cashCore);
    const devices: Record<Kind, object> = {
      ikkm: {
        kind: 'ikkm',
        url: ikkm.url,
        initialKey: '33334444',
        minRequestIntervalMs: 0,
        acceptsDecimals: true,
      },
      cashCore: { kind: 'cash-core', url: cashCore.url, accessCode: '0000', kkmOfdId: 6923 },
    };
    for (const kind of ['ikkm', 'cashCore'] as const) {
      // No taxTable at all: the register's kind and country decide it.
      const created = await api.post<{ id: string }>('/api/registers', {
        storeId: seed.storeId,
        name: `Новая касса ${kind}`,
        agentId: seed.agentId,
        device: devices[kind],
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      registers[kind] = created.body.id;
      const key = await api.post<{ key: string }>('/api/pos-keys', {
        registerId: created.body.id,
        name: 'веб-магазин',
      });
      expect(key.status).toBe(201);
      keys[kind] = key.body.key;
    }
    for (const kind of ['ikkm', 'cashCore'] as const)
      await waitUntil(
        async () =>
          (await api.get<RegisterDetails>(`/api/registers/${registers[kind]}`)).body.state.reachable === true,
        30_000,
        `new ${kind} register reachable through the agent`,
      );
  }, 180_000);
  afterAll(async () => {
    await world.close();
    for (const sim of sims) await sim.close().catch(() => undefined);
  });

  it('a register created without a tax table gets VAT 12 % and "without VAT" (Kazakhstan), shown in its details', async () => {
    const ikkm = await api.get<RegisterDetails>(`/api/registers/${registers.ikkm}`);
    expect(ikkm.body.currency).toBe('KZT');
    expect(ikkm.body.taxTable).toEqual([
      { percent: 12, name: 'НДС 12%' },
      { percent: 0, name: 'Без НДС', exempt: true, registerCode: '2' },
    ]);
    const cashCore = await api.get<RegisterDetails>(`/api/registers/${registers.cashCore}`);
    expect(cashCore.body.taxTable).toEqual([
      { percent: 12, name: 'НДС 12%' },
      { percent: 0, name: 'Без НДС', exempt: true },
    ]);
  });

  for (const kind of ['ikkm', 'cashCore'] as const) {
    it(`${kind}: a new register fiscalizes new_transaction with tax_number 0 and 1 out of the box; 2 names the table`, async () => {
      const client = await PosWsClient.connect(world.cloud.url, keys[kind], 'header');
      try {
        for (const taxNumber of [0, '1']) {
          const answer = await client.call(newTransaction(taxNumber));
          expect(answer.event).toBe('onnew_transaction');
          expect(answer.data, JSON.stringify(answer)).toMatchObject({ error: false, error_code: 0 });
          expect(wsNewTransactionAnswerSchema.parse(answer.data).amount).toBe(10_000);
        }
        const beyond = await client.call(newTransaction(2));
        expect(beyond.data).toMatchObject({ error: true, error_code: WS_ERROR_CODES.TAX_ERROR });
        expect(beyond.data['text']).toContain('data.wares[0].tax_number');
        expect(beyond.data['text']).toContain('0 — НДС 12% (12 %), 1 — Без НДС');
      } finally {
        client.close();
      }
    });
  }

  it('WS: a BOM, numeric strings, null barcode, a padded event and unknown fields are accepted; open_shift without data too', async () => {
    const client = await PosWsClient.connect(world.cloud.url, keys.cashCore, 'query');
    try {
      const frame = {
        event: ' new_transaction ',
        id: 'client-correlation-1',
        data: {
          cashier: 'Сидр Петров',
          doc_type: '2',
          pyment_type: '0',
          wares: [
            { name: 'Чай', barcode: null, tax_number: '0', price: '100', quantity: ' 1 ', discount: 0 },
          ],
        },
      };
      const answer = await client.call(`\ufeff${JSON.stringify(frame)}`);
      expect(answer.event).toBe('onnew_transaction');
      expect(answer.data, JSON.stringify(answer)).toMatchObject({
        error: false,
        error_code: 0,
        amount: 10_000,
      });
      const open = await client.call({ event: 'open_shift' });
      expect(open.event).toBe('onopen_shift');
      expect(open.data['error_code'], JSON.stringify(open)).not.toBe(WS_ERROR_CODES.INVALID_REQUEST);
      const bad = await client.call({
        event: 'cash_drawer_handler',
        data: { cashier: 'A', amount: 'abc', doc_type: 4 },
      });
      expect(bad.data).toMatchObject({ error: true, error_code: WS_ERROR_CODES.INVALID_REQUEST });
      expect(bad.data['text']).toContain('data.amount: ожидается число, получено "abc"');
    } finally {
      client.close();
    }
  });

  it('/sale: a liberal body fiscalizes once; its ISO docTime and the seed form are one document', async () => {
    const before = (await world.journal(sims[1]!)).length;
    const body = {
      docTime: '2026-12-01T10:15:00+05:00',
      docNumber: 7001,
      wsName: 3,
      employeeName: 'Иванова А.',
      amount: '15000',
      currency: 'kzt',
      items: [
        {
          itemId: null,
          itemName: 'Кофе',
          itemQty: '1000',
          itemAmount: '15000',
          discount: null,
          itemTaxes: [{ taxName: null, taxPrc: '1200', calcType: null }],
          itemMarginSum: null,
          itemMarginPrice: null,
          colour: 'red',
        },
      ],
      payments: { cashAmount: '15000', cashlessAmount: null },
      loyaltyCard: '123',
    };
    const first = await postSale(world.cloud.url, keys.cashCore, `\ufeff${JSON.stringify(body)}`);
    const answer = saleAnswerSchema.parse(first.answer);
    expect(answer, JSON.stringify(answer)).toMatchObject({ status: 'success', code: SALE_CODE.OK });
    // The same document in the seed's own form and with numbers as numbers: not printed again.
    const repeat = await postSale(world.cloud.url, keys.cashCore, {
      ...body,
      docTime: '2026-12-01 10:15:00',
      docNumber: '7001',
      amount: 15000,
    });
    const repeated = saleAnswerSchema.parse(repeat.answer);
    expect(repeated.code, JSON.stringify(repeated)).toBe(SALE_CODE.OK);
    expect(repeated.fiscalID).toBe(answer.fiscalID);
    const receipts = (await world.journal(sims[1]!))
      .slice(before)
      .filter((entry) => entry.kind === 'sale' && entry.total === 15_000);
    expect(receipts, JSON.stringify(receipts)).toHaveLength(1);
  });

  it('/sale: RUB on a tenge register is refused with a clear message and nothing is printed', async () => {
    const before = await world.prisma.fiscalDocument.count({ where: { registerId: registers.cashCore } });
    const refused = await postSale(world.cloud.url, keys.cashCore, {
      docTime: '2026-12-01 11:00:00',
      docNumber: 'R-1',
      employeeName: 'Иванова А.',
      amount: 5000,
      currency: 'RUB',
      items: [{ itemName: 'Чай', itemQty: 1000, itemAmount: 5000 }],
      payments: { cashAmount: 5000 },
    });
    expect(refused.answer).toMatchObject({ status: 'error', code: SALE_CODE.MISSING_FIELDS });
    expect((refused.answer as { message: string }).message).toContain(
      'currency: касса работает в тенге (KZT)',
    );
    expect(await world.prisma.fiscalDocument.count({ where: { registerId: registers.cashCore } })).toBe(
      before,
    );
  });

  it('an existing register whose table is empty uses the default for its kind and country', async () => {
    const cleared = await api.patch<RegisterDetails>(`/api/registers/${world.seed!.registers.cashCore}`, {
      taxTable: [],
    });
    expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
    const details = await api.get<RegisterDetails>(`/api/registers/${world.seed!.registers.cashCore}`);
    expect(details.body.taxTable.map((entry) => entry.name)).toEqual(['НДС 12%', 'Без НДС']);
    const client = await PosWsClient.connect(world.cloud.url, world.seed!.posKeys.cashCore, 'header');
    try {
      const answer = await client.call(newTransaction(1));
      expect(answer.data, JSON.stringify(answer)).toMatchObject({ error: false, error_code: 0 });
    } finally {
      client.close();
    }
  });
});
