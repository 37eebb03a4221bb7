import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saleBody } from '@kassa-relay/testing';
import {
  commandOutcomeToSaleAnswer,
  type ResultEnvelope,
  saleAnswerSchema,
  WS_ERROR_CODES,
  wsAnswerSchema,
} from '@kassa-relay/protocol';
import { PosService } from '../src/pos/pos-service';
import type { CommandRelay } from '../src/relay/command-relay';
import type { RegisterRoute } from '../src/pos/register-route';
import type { SaleDocument, SaleDocumentStore } from '../src/pos/sale-document-store';
import { createRelayWorld, type RelayWorld, waitUntil } from './relay-world';

/**
 * Test double of the document store (PostgreSQL and the document ledger in the product, which
 * completes every document from its result); the rest of the chain is real.
 */
class MemoryDocuments implements SaleDocumentStore {
  readonly documents = new Map<string, SaleDocument>();
  constructor(relay: CommandRelay) {
    relay.on('result', (result) => void this.complete(result));
  }
  private async find(registerId: string, key: string) {
    return (
      [...this.documents.values()].find((d) => d.registerId === registerId && d.idempotencyKey === key) ??
      null
    );
  }
  async createPending(document: Omit<SaleDocument, 'status'>) {
    const existing = await this.find(document.registerId, document.idempotencyKey);
    if (existing) return { created: false, document: existing };
    const created: SaleDocument = { ...document, status: 'pending' };
    this.documents.set(document.commandId, created);
    return { created: true, document: created };
  }
  async complete(result: ResultEnvelope) {
    const document = this.documents.get(result.commandId);
    if (!document) return;
    const answer = commandOutcomeToSaleAnswer(result.outcome);
    document.status = result.outcome.ok ? 'done' : 'failed';
    document.answer = answer;
    if (answer.fiscalID) document.fiscalId = answer.fiscalID;
  }
}

const routes: Record<'ikkm' | 'cc', RegisterRoute> = {
  ikkm: {
    registerId: 'r-ikkm',
    agentId: 'store-7',
    kind: 'ikkm',
    taxTable: [{ rate: 12_000 }],
    paymentKinds: ['cash', 'card', 'tara', 'credit'],
  },
  cc: {
    registerId: 'r-cc',
    agentId: 'store-7',
    kind: 'cash-core',
    taxTable: [{ rate: 12_000 }],
    paymentKinds: ['cash', 'card', 'mobile'],
  },
};

const saleJson = (...sale: Parameters<typeof saleBody>) => JSON.stringify(saleBody(...sale));

describe('POS service: seed 000 WS and seed 001 /sale through the real chain', () => {
  let world: RelayWorld;
  let documents: MemoryDocuments;
  let pos: PosService;

  beforeAll(async () => {
    world = await createRelayWorld();
    documents = new MemoryDocuments(world.relay);
    pos = new PosService(world.commands, documents, { waitMs: 15_000, deadlineMs: 120_000 });
    await world.startAgent();
  });
  afterAll(async () => world?.close());

  it.each(['ikkm', 'cc'] as const)('WS events on %s answer in the seed shape', async (register) => {
    const frames = [
      { event: 'open_shift', data: { cashier: 'Сидр Петров' } },
      { event: 'cash_drawer_handler', data: { cashier: 'Сидр Петров', amount: 100_000, doc_type: 4 } },
      {
        event: 'new_transaction',
        data: {
          cashier: 'Сидр Петров',
          doc_type: 2,
          pyment_type: 0,
          wares: [{ name: 'Вода', barcode: '1', tax_number: 0, price: 123.45, quantity: 2 }],
        },
      },
      { event: 'close_shift', data: { cashier: 'Сидр Петров' } },
      { event: 'z_report' },
    ];
    for (const frame of frames) {
      const answer = await pos.handleWsFrame(routes[register], JSON.stringify(frame), 'pos-key-1');
      expect(answer.event).toBe(`on${frame.event}`);
      expect(answer.data['error'], JSON.stringify(answer)).toBe(false);
      expect(wsAnswerSchema.safeParse(answer).success, JSON.stringify(answer)).toBe(true);
      if (frame.event === 'new_transaction')
        expect((answer.data as Record<string, unknown>)['amount']).toBe(24_690);
    }
    const bad = await pos.handleWsFrame(
      routes[register],
      '{"event":"new_transaction","data":{}}',
      'pos-key-1',
    );
    expect(bad).toMatchObject({
      event: 'onnew_transaction',
      data: { error: true, error_code: WS_ERROR_CODES.INVALID_REQUEST },
    });
  });

  it('/sale fiscalizes once; a repeat answers the same fiscalID and prints no second receipt', async () => {
    const first = await pos.handleSale(routes.cc, saleJson('A-1'), 'pos-key-2');
    expect(first, JSON.stringify(first)).toMatchObject({ status: 'success', code: 0 });
    expect(first.fiscalID).toBeTruthy();
    expect(saleAnswerSchema.safeParse(first).success).toBe(true);
    const before = (await world.journal(world.cashCore)).length;
    const repeat = await pos.handleSale(routes.cc, saleJson('A-1'), 'pos-key-2');
    // The stored answer (same fiscal data); the cash core cannot print a copy, and says so.
    expect(repeat).toEqual({ ...first, printError: 1, message: expect.stringMatching(/копи/) });
    expect((await world.journal(world.cashCore)).length).toBe(before);
  });

  it('/sale answers the seed codes: 2, 3, 4, 7', async () => {
    expect((await pos.handleSale(routes.cc, '{oops', 'k')).code).toBe(2);
    expect((await pos.handleSale(routes.cc, JSON.stringify({ docNumber: 'x' }), 'k')).code).toBe(3);
    expect((await pos.handleSale(routes.cc, saleJson('A-2', 35_000, { amount: 1 }), 'k')).code).toBe(4);
    expect(
      (await pos.handleSale(routes.ikkm, saleJson('A-3', 1_000, { payments: { bonusesAmount: 1_000 } }), 'k'))
        .code,
    ).toBe(7);
  });

  it('agent offline: WS refused at once, /sale queued with a clear answer; agent back → the document completes', async () => {
    await world.stopAgent();
    const ws = await pos.handleWsFrame(routes.cc, JSON.stringify({ event: 'z_report' }), 'k');
    expect(ws.data).toMatchObject({ error: true, error_code: WS_ERROR_CODES.AGENT_OFFLINE });
    const offline = await pos.handleSale(routes.cc, saleJson('B-1', 4_200), 'k');
    expect(offline.status).toBe('error');
    expect(offline.code).toBe(5);
    expect(offline.message).toMatch(/не в сети/);
    const before = (await world.journal(world.cashCore)).length;
    await world.startAgent();
    await waitUntil(
      () =>
        [...documents.documents.values()].some(
          (d) => d.idempotencyKey.includes('B-1') && d.status === 'done',
        ),
      20_000,
      'document done',
    );
    const repeat = await pos.handleSale(routes.cc, saleJson('B-1', 4_200), 'k');
    expect(repeat).toMatchObject({ status: 'success', code: 0 });
    expect((await world.journal(world.cashCore)).length).toBe(before + 1);
  });
});
