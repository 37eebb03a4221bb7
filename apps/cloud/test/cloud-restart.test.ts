import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { saleAnswerSchema } from '@kassa-relay/protocol';
import { saleBody } from '@kassa-relay/testing';
import { createPrismaClient } from '../src/database/prisma-client';
import { addSimFault, CloudWorld, waitUntil } from './cloud-world';

/** A loaf of bread for `amount`, paid in cash. */
const sale = (docNumber: string, amount: number) =>
  JSON.stringify(
    saleBody(docNumber, amount, {
      docTime: '2026-11-23 12:00:00',
      items: [{ itemId: '7', itemName: 'Хлеб', itemQty: 1000, itemAmount: amount }],
    }),
  );

describe('cloud restart: nothing lost, nothing doubled', () => {
  // A default install: the restarted cloud starts its embedded PostgreSQL again on the same data.
  const world = new CloudWorld({ embeddedDatabase: true });
  beforeAll(async () => {
    await world.start();
    await world.seedStore();
    await world.startAgent();
    // Open the cash-core shift so sales go through.
    const first = await fetch(`${world.cloud.url}/sale`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.seed!.posKeys.cashCore}` },
      body: sale('R-0', 5_000),
    });
    expect(saleAnswerSchema.parse(await first.json()).code).toBe(0);
  }, 120_000);
  afterAll(() => world.close());

  const post = async (docNumber: string, amount: number) =>
    saleAnswerSchema.parse(
      await (
        await fetch(`${world.cloud.url}/sale`, {
          method: 'POST',
          headers: { authorization: `Bearer ${world.seed!.posKeys.cashCore}` },
          body: sale(docNumber, amount),
        })
      ).json(),
    );

  it('a /sale queued for an offline agent survives a cloud restart (embedded broker queue lost) and is fiscalized once', async () => {
    await world.stopAgent();
    await waitUntil(
      async () =>
        (await world.prisma.agent.findUniqueOrThrow({ where: { id: world.seed!.agentId } })).online === false,
      10_000,
      'agent offline in the cloud',
    );
    const queued = await post('R-1', 12_300);
    expect(queued.status).toBe('error');
    expect(queued.message).toMatch(/не в сети/);

    // The embedded broker's in-memory queue goes away with the cloud.
    await world.cloud.stop();
    await world.startCloud();
    await world.prisma.$disconnect();
    world.prisma = createPrismaClient(world.cloud.databaseUrl);
    const pending = await world.prisma.fiscalDocument.findFirstOrThrow({
      where: { idempotencyKey: { contains: 'R-1' } },
    });
    expect(pending.status).toBe('pending');

    await world.startAgent();
    await waitUntil(
      async () =>
        (await world.prisma.fiscalDocument.findUniqueOrThrow({ where: { id: pending.id } })).status ===
        'done',
      20_000,
      'the pending document fiscalized after the agent returned',
    );
    const done = await world.prisma.fiscalDocument.findUniqueOrThrow({ where: { id: pending.id } });
    expect(done.fiscalId).toBeTruthy();
    const repeat = await post('R-1', 12_300);
    expect(repeat).toMatchObject({ status: 'success', code: 0, fiscalID: done.fiscalId });
    const receipts = (await world.journal(world.cashCore)).filter((e) => e.total === 12_300);
    expect(receipts).toHaveLength(1);
  });

  it('keeps every document across restarts', async () => {
    const count = await world.prisma.fiscalDocument.count({ where: { kind: 'receipt' } });
    expect(count).toBe(2);
  });

  it('stops on SIGTERM by itself with live clients connected: they are told it is going away; a /sale, a /ws frame and a socket.io event in flight still get their answers', async () => {
    // Nest closes the HTTP server and waits for every connection to end; socket.io and /ws clients
    // never end theirs, so the cloud hung until it was killed (here after 15 s, SIGKILL).
    const wsUrl = world.cloud.url.replace(/^http/, 'ws');
    const dashboard = io(`${world.cloud.url}/admin`, {
      auth: { token: await world.adminToken() },
      transports: ['websocket'],
      reconnection: false,
    });
    const posSocketIo = io(`${world.cloud.url}/pos`, {
      auth: { token: world.seed!.posKeys.ikkm },
      transports: ['websocket'],
      reconnection: false,
    });
    const posWs = new WebSocket(`${wsUrl}/ws`, {
      headers: { authorization: `Bearer ${world.seed!.posKeys.cashCore}` },
    });
    // What the /ws client heard, in order: its answers, then how it was closed.
    const wsHeard: string[] = [];
    posWs.on('message', (data) => wsHeard.push(String(data)));
    const wsClosed = new Promise<number>((resolve) =>
      posWs.on('close', (code) => {
        wsHeard.push(`close ${code}`);
        resolve(code);
      }),
    );
    const gone = (socket: typeof dashboard) =>
      new Promise<string>((resolve) => socket.on('disconnect', (reason) => resolve(reason)));
    const [dashboardGone, posGone] = [gone(dashboard), gone(posSocketIo)];
    // What the socket.io POS client heard, in order: its ack, then its disconnect.
    const ioHeard: string[] = [];
    posSocketIo.on('disconnect', (reason) => ioHeard.push(`disconnect ${reason}`));
    await waitUntil(
      () => dashboard.connected && posSocketIo.connected && posWs.readyState === WebSocket.OPEN,
      10_000,
      'the clients connected',
    );
    // A sale the iKKM takes 4 s to print, sent through socket.io /pos, in flight at the stop.
    await addSimFault(world.ikkm, { kind: 'delay', match: '/api', delayMs: 4_000, count: 1 });
    const ioAnswer = posSocketIo
      .timeout(60_000)
      .emitWithAck('new_transaction', {
        cashier: 'Петров Б.',
        doc_type: 2,
        pyment_type: 0,
        wares: [{ name: 'Кофе', barcode: '2', tax_number: 0, price: 56.78, quantity: 1 }],
      })
      .then((ack: unknown) => {
        ioHeard.push('ack');
        return ack;
      });
    // Two sales the register takes 4 s and 2 s to print, one after the other: a /ws frame and a
    // /sale, both still in flight when the cloud is told to stop.
    await addSimFault(world.cashCore, { kind: 'delay', match: 'TradeOperation', delayMs: 4_000 });
    await addSimFault(world.cashCore, { kind: 'delay', match: 'TradeOperation', delayMs: 2_000 });
    posWs.send(
      JSON.stringify({
        event: 'new_transaction',
        data: {
          cashier: 'Иванова А.',
          doc_type: 2,
          pyment_type: 0,
          wares: [{ name: 'Чай', barcode: '1', tax_number: 0, price: 12.34, quantity: 1 }],
        },
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const inFlight = post('R-STOP', 4_200);
    await waitUntil(
      async () =>
        (await world.prisma.fiscalDocument.count({ where: { idempotencyKey: { contains: 'R-STOP' } } })) ===
        1,
      10_000,
      'the sale sent to the agent',
    );
    // The socket.io sale too (one arriving after the stop began would be turned away).
    await waitUntil(
      async () => (await world.prisma.fiscalDocument.count({ where: { total: 5_678n } })) === 1,
      10_000,
      'the socket.io sale sent to the agent',
    );
    expect(wsHeard).toEqual([]);
    expect(ioHeard).toEqual([]);
    const stopped = world.cloud.stop('SIGTERM');
    // While it answers what it took, the load balancer is told to send it nothing new.
    await waitUntil(
      async () => {
        const ready = await fetch(`${world.cloud.url}/health/ready`);
        const body = (await ready.json()) as { checks?: { accepting?: boolean } };
        return ready.status === 503 && body.checks?.accepting === false;
      },
      3_000,
      'readiness 503 while stopping',
    );
    await stopped;
    const { exitCode, signalCode } = world.cloud.process.child;
    expect({ exitCode, signalCode }, world.cloud.process.output.slice(-10).join('\n')).toEqual({
      exitCode: 0,
      signalCode: null,
    });
    expect(await wsClosed).toBe(1001);
    // The frame taken before the stop was answered before the connection closed.
    expect(wsHeard).toHaveLength(2);
    expect(JSON.parse(wsHeard[0]!)).toMatchObject({ event: 'onnew_transaction', data: { error: false } });
    expect(wsHeard[1]).toBe('close 1001');
    // A transport close, not "io server disconnect": socket.io's client reconnects after it.
    expect(await dashboardGone).toBe('transport close');
    expect(await posGone).toBe('transport close');
    // The socket.io event taken before the stop was acknowledged before its connection closed.
    expect(ioHeard).toEqual(['ack', 'disconnect transport close']);
    expect(await ioAnswer).toMatchObject({
      event: 'onnew_transaction',
      data: { error: false, error_code: 0, amount: 5_678 },
    });
    expect(await inFlight).toMatchObject({ status: 'success', code: 0 });

    await world.startCloud();
    await world.prisma.$disconnect();
    world.prisma = createPrismaClient(world.cloud.databaseUrl);
    const journal = await world.journal(world.cashCore);
    expect(journal.filter((e) => e.total === 4_200)).toHaveLength(1);
    expect(journal.filter((e) => e.total === 1_234)).toHaveLength(1);
    expect((await world.journal(world.ikkm)).filter((e) => e.total === 5_678)).toHaveLength(1);
  });
});
