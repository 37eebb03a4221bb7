import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import {
  WS_ERROR_CODES,
  wsAnswerSchema,
  wsCloseShiftAnswerSchema,
  wsErrorDataSchema,
  wsNewTransactionAnswerSchema,
  wsOpenShiftAnswerSchema,
} from '@kassa-relay/protocol';
import { CloudWorld, waitUntil } from './cloud-world';

const CASHIER = 'Сидр Петров';

describe('socket.io namespace /pos (seed 000 events) through the cloud process and a real agent', () => {
  const world = new CloudWorld();
  const sockets: Socket[] = [];
  beforeAll(async () => {
    await world.start();
    await world.seedStore();
    await world.startAgent();
  }, 120_000);
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await world.close();
  });

  /** Connects to /pos; resolves when connected, rejects with the server's refusal. */
  function connect(options: {
    auth?: Record<string, string>;
    query?: Record<string, string>;
    extraHeaders?: Record<string, string>;
  }): Promise<Socket> {
    const socket = io(`${world.cloud.url}/pos`, {
      transports: ['websocket'],
      reconnection: false,
      timeout: 10_000,
      ...options,
    });
    sockets.push(socket);
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', (error) => reject(error));
    });
  }

  const nextEvent = (socket: Socket, event: string) =>
    new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${event} within 30 s`)), 30_000);
      socket.once(event, (data: unknown) => {
        clearTimeout(timer);
        resolve(data);
      });
    });

  for (const [how, options] of [
    ['auth.token', (key: string) => ({ auth: { token: key } })],
    ['?token=', (key: string) => ({ query: { token: key } })],
    ['Authorization header', (key: string) => ({ extraHeaders: { authorization: `Bearer ${key}` } })],
  ] as const) {
    it(`open_shift answers onopen_shift and the ack, key in ${how}`, async () => {
      const seed = world.seed!;
      for (const kind of ['ikkm', 'cashCore'] as const) {
        const socket = await connect(options(seed.posKeys[kind]));
        const emitted = nextEvent(socket, 'onopen_shift');
        const ack = (await socket.timeout(30_000).emitWithAck('open_shift', { cashier: CASHIER })) as unknown;
        // The ack carries the whole seed 000 answer frame; the event carries its data.
        const frame = wsAnswerSchema.parse(ack);
        expect(frame.event).toBe('onopen_shift');
        const data = wsOpenShiftAnswerSchema.parse(frame.data);
        expect(data).toMatchObject({ error: false, error_code: 0, text: 'Успешно' });
        expect(data.fn_number).not.toBe('');
        expect(data.shift_number).toBeGreaterThanOrEqual(0);
        expect(await emitted).toEqual(frame.data);
        socket.disconnect();
      }
    });
  }

  it('serves a sale and a shift close, without ack and as a whole frame (`message`), and records them', async () => {
    const seed = world.seed!;
    const socket = await connect({ auth: { token: seed.posKeys.cashCore } });
    const sentAt = new Date();

    // emit without an ack: the answer comes as the on<event> event.
    const answer = nextEvent(socket, 'onnew_transaction');
    socket.emit('new_transaction', {
      cashier: CASHIER,
      doc_type: 2,
      pyment_type: 0,
      wares: [{ name: 'Чай', barcode: '4870001', tax_number: 0, price: 123.45, quantity: 2 }],
    });
    const sale = wsNewTransactionAnswerSchema.parse(await answer);
    expect(sale).toMatchObject({ error: false, error_code: 0, amount: 24_690, cashier: expect.any(String) });
    expect(sale.fiscal_id).toMatch(/\S/);
    expect(sale.check_number).toBeGreaterThan(0);

    // `message` takes a whole seed 000 frame, as a raw WS client would send it.
    const closed = nextEvent(socket, 'onclose_shift');
    const ack = (await socket
      .timeout(30_000)
      .emitWithAck(
        'message',
        JSON.stringify({ event: 'close_shift', data: { cashier: CASHIER } }),
      )) as unknown;
    const frame = wsAnswerSchema.parse(ack);
    expect(frame.event).toBe('onclose_shift');
    const totals = wsCloseShiftAnswerSchema.parse(frame.data);
    expect(totals).toMatchObject({ error: false, shift_number: sale.shift_number, count_sales: 1 });
    expect(totals.sum_sales).toBeCloseTo(246.9, 2);
    expect(await closed).toEqual(frame.data);

    const where = { registerId: seed.registers.cashCore, originChannel: 'ws', requestedAt: { gte: sentAt } };
    await waitUntil(
      async () => (await world.prisma.fiscalDocument.count({ where: { ...where, status: 'done' } })) === 2,
      10_000,
      'both documents recorded',
    );
    const rows = await world.prisma.fiscalDocument.findMany({ where, orderBy: { requestedAt: 'asc' } });
    expect(rows.map((row) => row.kind)).toEqual(['receipt', 'shift.close']);
    expect(rows[0]).toMatchObject({
      total: 24_690n,
      fiscalId: sale.fiscal_id,
      originActor: `pos-key:${seed.posKeyIds.cashCore}`,
    });
    socket.disconnect();
  });

  it('answers bad events in the protocol’s words and keeps the connection', async () => {
    const socket = await connect({ auth: { token: world.seed!.posKeys.ikkm } });
    const unknown = (await socket.timeout(10_000).emitWithAck('print_receipt', {})) as {
      event: string;
      data: unknown;
    };
    expect(unknown.event).toBe('onprint_receipt');
    expect(wsErrorDataSchema.parse(unknown.data).error_code).toBe(WS_ERROR_CODES.INVALID_REQUEST);

    const invalid = wsAnswerSchema.parse(
      await socket.timeout(10_000).emitWithAck('cash_drawer_handler', { amount: -5 }),
    );
    expect(invalid.event).toBe('oncash_drawer_handler');
    expect(wsErrorDataSchema.parse(invalid.data)).toMatchObject({
      error_code: WS_ERROR_CODES.INVALID_REQUEST,
    });

    const malformed = wsAnswerSchema.parse(await socket.timeout(10_000).emitWithAck('message', '{"event":'));
    expect(malformed.event).toBe('onerror');

    const unsupported = wsAnswerSchema.parse(
      await socket.timeout(30_000).emitWithAck('cancel_payment', { rrn: 'LINK_1', amount: 100 }),
    );
    expect(unsupported.data).toMatchObject({ error: true, error_code: WS_ERROR_CODES.NOT_SUPPORTED });

    const open = wsAnswerSchema.parse(
      await socket.timeout(30_000).emitWithAck('open_shift', { cashier: CASHIER }),
    );
    expect(open.data).toMatchObject({ error: false, error_code: 0 });
    socket.disconnect();
  });

  it('refuses a missing, unknown or foreign key at connect', async () => {
    const seed = world.seed!;
    await expect(connect({})).rejects.toThrow(/ключ/);
    await expect(connect({ auth: { token: 'kr_pos_wrong' } })).rejects.toThrow(/ключ/);
    await expect(connect({ extraHeaders: { authorization: 'Bearer kr_pos_wrong' } })).rejects.toThrow(/ключ/);
    await expect(
      connect({ auth: { token: seed.posKeys.ikkm, register: seed.registers.cashCore } }),
    ).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
  });
});
