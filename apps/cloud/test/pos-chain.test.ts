import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { saleAnswerSchema, wsAnswerSchema } from '@kassa-relay/protocol';
import { saleBody } from '@kassa-relay/testing';
import { CloudWorld } from './cloud-world';

const sale = (docNumber: string, amount = 35_000) => JSON.stringify(saleBody(docNumber, amount));

function wsCall(url: string, frame: object): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify(frame)));
    ws.once('message', (data) => {
      resolve(JSON.parse(data.toString()));
      ws.close();
    });
  });
}

describe('the cloud process: POS → cloud → broker → agent → simulator, PostgreSQL underneath', () => {
  const world = new CloudWorld();
  beforeAll(async () => {
    await world.start();
    await world.seedStore();
    await world.startAgent();
  }, 120_000);
  afterAll(() => world.close());

  it('opens a shift over /ws and fiscalizes a /sale on both register kinds', async () => {
    const seed = world.seed!;
    const wsUrl = world.cloud.url.replace('http', 'ws');
    // Two documents: seed 001's docTime + docNumber + amount is unique per store (issue 12).
    for (const [key, docNumber] of [
      [seed.posKeys.ikkm, 'A-1'],
      [seed.posKeys.cashCore, 'A-2'],
    ] as const) {
      const open = wsAnswerSchema.parse(
        await wsCall(`${wsUrl}/ws?token=${key}`, { event: 'open_shift', data: { cashier: 'Сидр Петров' } }),
      );
      expect(open.event).toBe('onopen_shift');
      expect(open.data.error).toBe(false);
      const response = await fetch(`${world.cloud.url}/sale`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}` },
        body: sale(docNumber),
      });
      const answer = saleAnswerSchema.parse(await response.json());
      expect(answer).toMatchObject({ status: 'success', code: 0 });
      expect(answer.fiscalID).toBeTruthy();
    }
    const documents = await world.prisma.fiscalDocument.findMany({ where: { kind: 'receipt' } });
    expect(documents).toHaveLength(2);
    expect(documents.every((d) => d.status === 'done' && d.fiscalId)).toBe(true);
  });
});
