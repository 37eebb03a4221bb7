import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { breadSale, type SaleBody, saleBody as sharedSaleBody } from '@kassa-relay/testing';
import {
  type SaleAnswer,
  saleAnswerSchema,
  WS_ERROR_CODES,
  wsAnswerSchema,
  wsErrorDataSchema,
  wsNewTransactionAnswerSchema,
} from '@kassa-relay/protocol';
import { addSimFault, clearSimFaults, CloudWorld, PosWsClient, postSale, waitUntil } from './cloud-world';

type Kind = 'ikkm' | 'cashCore';

/** How long a POS request waits for the register here: short, so "still in progress" is reachable. */
const POS_WAIT_MS = 4_000;

/** Three loaves for 450.00, paid with 500.00 in cash; a new docNumber each time. */
const saleBody = (overrides: Partial<SaleBody> = {}) =>
  sharedSaleBody(`B-${randomUUID().slice(0, 8)}`, 45_000, {
    ...breadSale,
    docTime: '2026-11-23 18:30:00',
    ...overrides,
  });

const isInProgress = (answer: SaleAnswer) =>
  answer.status === 'error' && answer.code === 5 && /ещё фискализируется/.test(answer.message ?? '');

describe('POS clients while the store agent is away or the register is slow', () => {
  const world = new CloudWorld({ env: { KASSA_POS_WAIT_MS: String(POS_WAIT_MS) } });
  beforeAll(async () => {
    await world.start();
    await world.seedStore();
    await world.startAgent();
    // The cloud asks a returning agent's registers for their info; let that finish first.
    await waitUntil(
      async () =>
        (await world.prisma.register.count({
          where: { agentId: world.seed!.agentId, serialNumber: { not: null } },
        })) === 2,
      30_000,
      'register info refreshed',
    );
  }, 120_000);
  afterAll(() => world.close());

  const sim = (kind: Kind) => (kind === 'ikkm' ? world.ikkm : world.cashCore);
  const sales = async (kind: Kind) =>
    (await world.journal(sim(kind))).filter((entry) => entry.kind === 'sale');
  async function sale(kind: Kind, body: object): Promise<SaleAnswer> {
    const { status, answer } = await postSale(world.cloud.url, world.seed!.posKeys[kind], body);
    expect(status).toBe(200);
    return saleAnswerSchema.strict().parse(answer);
  }
  const documentOf = (kind: Kind, body: ReturnType<typeof saleBody>) =>
    world.prisma.fiscalDocument.findUnique({
      where: {
        registerId_idempotencyKey: {
          registerId: world.seed!.registers[kind],
          idempotencyKey: `sale:${body.docTime}|${body.docNumber}|${body.amount}`,
        },
      },
    });
  const agentOnline = async () =>
    (await world.prisma.agent.findUniqueOrThrow({ where: { id: world.seed!.agentId } })).online;

  it('agent offline: WS is refused, /sale is queued and fiscalized once when the agent returns', async () => {
    const seed = world.seed!;
    const ws = await PosWsClient.connect(world.cloud.url, seed.posKeys.ikkm, 'query');
    const before = { ikkm: (await sales('ikkm')).length, cashCore: (await sales('cashCore')).length };
    const bodies = { ikkm: saleBody(), cashCore: saleBody() };
    try {
      await world.stopAgent();
      await waitUntil(async () => !(await agentOnline()), 15_000, 'agent offline in the cloud');

      // WS frames carry no idempotency key: nothing is queued, the client is told plainly.
      const refused = wsAnswerSchema.parse(
        await ws.call({ event: 'open_shift', data: { cashier: 'Петрова Б.' } }),
      );
      expect(refused.event).toBe('onopen_shift');
      const data = wsErrorDataSchema.parse(refused.data);
      expect(data.error_code).toBe(WS_ERROR_CODES.AGENT_OFFLINE);
      expect(data.text).toContain('не в сети');
      // A new connection is accepted (the key is fine) and answers the same.
      const late = await PosWsClient.connect(world.cloud.url, seed.posKeys.cashCore, 'header');
      const lateAnswer = wsAnswerSchema.parse(await late.call({ event: 'z_report' }));
      expect(lateAnswer.data).toMatchObject({ error: true, error_code: WS_ERROR_CODES.AGENT_OFFLINE });
      late.close();

      for (const kind of ['ikkm', 'cashCore'] as const) {
        const queued = await sale(kind, bodies[kind]);
        expect(queued).toMatchObject({ status: 'error', code: 5 });
        expect(queued.message).toContain('будет фискализирован, когда он вернётся');
        // Asking again while the agent is away answers the same, at once.
        const again = await sale(kind, bodies[kind]);
        expect(again).toEqual(queued);
        expect(await documentOf(kind, bodies[kind])).toMatchObject({ status: 'pending', fiscalId: null });
      }
      // Without docTime there is no uniqueness control, so nothing is queued blindly.
      const unqueued = await sale('cashCore', saleBody({ docTime: undefined }));
      expect(unqueued).toMatchObject({ status: 'error', code: 5 });
      expect(unqueued.message).toContain('не в сети');
      expect(unqueued.message).not.toContain('будет фискализирован');
      expect(await sales('ikkm')).toHaveLength(before.ikkm);
      expect(await sales('cashCore')).toHaveLength(before.cashCore);

      await world.startAgent();
      for (const kind of ['ikkm', 'cashCore'] as const) {
        await waitUntil(
          async () => (await documentOf(kind, bodies[kind]))?.status === 'done',
          30_000,
          `the queued ${kind} sale fiscalized`,
        );
        const row = (await documentOf(kind, bodies[kind]))!;
        expect(row.fiscalId).toMatch(/\S/);
        expect(row).toMatchObject({ kind: 'receipt', total: 45_000n, originChannel: 'sale' });
        const done = await sale(kind, bodies[kind]);
        expect(done).toMatchObject({ status: 'success', code: 0, fiscalID: row.fiscalId });
        expect(await sales(kind)).toHaveLength(before[kind] + 1);
      }

      // The same connection is served again now that the agent is back.
      const open = wsAnswerSchema.parse(
        await ws.call({ event: 'open_shift', data: { cashier: 'Петрова Б.' } }),
      );
      expect(open.data).toMatchObject({ error: false, error_code: 0 });
    } finally {
      ws.close();
      if (!world.agent) await world.startAgent();
    }
  }, 90_000);

  for (const kind of ['ikkm', 'cashCore'] as const) {
    it(`${kind}: a slow register answers "still in progress", and a later repeat gives the result`, async () => {
      const before = (await sales(kind)).length;
      const body = saleBody();
      await addSimFault(sim(kind), {
        kind: 'delay',
        match: kind === 'ikkm' ? '/api' : 'TradeOperation',
        delayMs: POS_WAIT_MS + 1_500,
      });
      try {
        const first = await sale(kind, body);
        expect(isInProgress(first), JSON.stringify(first)).toBe(true);
        expect(await documentOf(kind, body)).toMatchObject({ status: 'pending' });

        let answer = first;
        const deadline = Date.now() + 30_000;
        while (isInProgress(answer) && Date.now() < deadline) answer = await sale(kind, body);
        expect(answer).toMatchObject({ status: 'success', code: 0 });
        expect(answer.fiscalID).toMatch(/\S/);
        expect(await documentOf(kind, body)).toMatchObject({ status: 'done', fiscalId: answer.fiscalID });
        expect(await sales(kind)).toHaveLength(before + 1);
        // And once more: the stored answer, still one receipt.
        expect(await sale(kind, body)).toMatchObject({ code: 0, fiscalID: answer.fiscalID });
        expect(await sales(kind)).toHaveLength(before + 1);
      } finally {
        await clearSimFaults(sim(kind));
      }
    }, 60_000);
  }

  it('a WS sale on a register slower than the POS wait is answered with its receipt, and the ledger has it', async () => {
    const seed = world.seed!;
    const ws = await PosWsClient.connect(world.cloud.url, seed.posKeys.cashCore, 'header');
    await addSimFault(world.cashCore, {
      kind: 'delay',
      match: 'TradeOperation',
      delayMs: POS_WAIT_MS + 1_500,
    });
    const sentAt = new Date();
    try {
      const answer = wsAnswerSchema.parse(
        await ws.call({
          event: 'new_transaction',
          data: {
            cashier: 'Петрова Б.',
            doc_type: 2,
            pyment_type: 0,
            wares: [{ name: 'Молоко', tax_number: 0, price: '450.00', quantity: 1 }],
          },
        }),
      );
      expect(answer.event).toBe('onnew_transaction');
      // It may have started within the wait, so the answer waits for its outcome (issue 12):
      // never "error" about a receipt that is printing.
      expect(answer.data).toMatchObject({ error: false, error_code: 0 });
      const where = {
        registerId: seed.registers.cashCore,
        originChannel: 'ws',
        requestedAt: { gte: sentAt },
      };
      await waitUntil(
        async () => (await world.prisma.fiscalDocument.findFirst({ where }))?.status === 'done',
        30_000,
        'the slow WS receipt recorded',
      );
      const row = (await world.prisma.fiscalDocument.findFirst({ where }))!;
      expect(row).toMatchObject({ kind: 'receipt', total: 45_000n });
      expect(row.fiscalId).toMatch(/\S/);
      // The connection serves the next frame normally.
      const next = wsAnswerSchema.parse(
        await ws.call({
          event: 'new_transaction',
          data: {
            cashier: 'Петрова Б.',
            doc_type: 2,
            pyment_type: 1,
            wares: [{ name: 'Молоко', tax_number: 0, price: 450, quantity: 1 }],
          },
        }),
      );
      expect(wsNewTransactionAnswerSchema.parse(next.data)).toMatchObject({ error: false, amount: 45_000 });
    } finally {
      ws.close();
      await clearSimFaults(world.cashCore);
    }
  }, 60_000);
});
