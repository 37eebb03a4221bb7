import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saleAnswerSchema } from '@kassa-relay/protocol';
import { saleBody } from '@kassa-relay/testing';
import { addSimFault, CloudWorld, postSale, waitUntil } from './cloud-world';

const body = (docNumber: string, amount: number) =>
  saleBody(docNumber, amount, { docTime: '2026-12-01 10:00:00' });

describe('a sale in doubt, end to end: POS → cloud → real agent → a slow iKKM', () => {
  // The POS waits 1.5 s; the agent gives the device 0.5 s; the device takes 4 s.
  const world = new CloudWorld({ env: { KASSA_POS_WAIT_MS: '1500' } });
  beforeAll(async () => {
    await world.start();
    await world.seedStore();
    const config = JSON.parse(readFileSync(world.agentConfigPath, 'utf8')) as {
      registers: Record<string, unknown>[];
    };
    for (const register of config.registers) register['timeoutMs'] = 500;
    writeFileSync(world.agentConfigPath, JSON.stringify(config));
    await world.startAgent();
  }, 120_000);
  afterAll(() => world.close());

  it('answers "do not fiscalize again, ask again" while in doubt, never opens a second command, then the one receipt', async () => {
    const seed = world.seed!;
    await addSimFault(world.ikkm, { kind: 'delay', match: '/api', delayMs: 4_000 });
    const sale = body('D-1', 41_000);

    const first = saleAnswerSchema.parse((await postSale(world.cloud.url, seed.posKeys.ikkm, sale)).answer);
    expect(first).toMatchObject({ status: 'error', code: 5 });
    expect(first.message).toMatch(/НЕ фискализируйте/);

    const repeat = saleAnswerSchema.parse((await postSale(world.cloud.url, seed.posKeys.ikkm, sale)).answer);
    expect(repeat.code).toBe(5);
    expect(repeat.message).toMatch(/НЕ фискализируйте/);
    const documents = await world.prisma.fiscalDocument.findMany({ where: { kind: 'receipt' } });
    expect(documents).toHaveLength(1);
    await waitUntil(
      async () =>
        (await world.prisma.fiscalDocument.findFirst({ where: { kind: 'receipt' } }))?.status === 'inDoubt' ||
        (await world.prisma.fiscalDocument.findFirst({ where: { kind: 'receipt' } }))?.status === 'done',
      10_000,
      'the document in doubt (or already proven)',
    );

    // The device finishes; the agent proves it; the client's repeat gets the receipt.
    let final = repeat;
    await waitUntil(
      async () => {
        final = saleAnswerSchema.parse((await postSale(world.cloud.url, seed.posKeys.ikkm, sale)).answer);
        return final.code === 0;
      },
      30_000,
      'the final answer',
    );
    const printed = (await world.journal(world.ikkm)).filter((entry) => entry.kind === 'sale');
    expect(printed).toHaveLength(1);
    expect(printed[0]?.total).toBe(41_000);
    const document = await world.prisma.fiscalDocument.findFirstOrThrow({ where: { kind: 'receipt' } });
    expect(document.status).toBe('done');
    expect(final.fiscalID).toBe(document.fiscalId);
    expect(final.checkNum).toBe(String(document.checkNumber));
    expect(await world.prisma.fiscalDocument.count({ where: { kind: 'receipt' } })).toBe(1);
  });
});
