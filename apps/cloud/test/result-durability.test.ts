import { saleBody } from '@kassa-relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saleAnswerSchema } from '@kassa-relay/protocol';
import { addSimFault, CloudWorld, postSale } from './cloud-world';

/**
 * The database refuses every write of a document's result for a while (a trigger that raises —
 * as a full disk or a failover would): the result must not be lost, and the POS client must never
 * hear "not performed" for a receipt that was printed.
 */
describe('a result the database cannot store at first', () => {
  const world = new CloudWorld();
  beforeAll(async () => {
    await world.start();
    await world.seedStore();
    await world.startAgent();
  }, 120_000);
  afterAll(async () => {
    await world.close();
  });

  it(
    'is stored once the database takes it again, and the client gets the receipt — never "not performed"',
    {
      timeout: 60_000,
    },
    async () => {
      // A switch the trigger reads: turning it off needs no lock on the documents table (dropping
      // the trigger would wait for every statement on it).
      await world.prisma.$executeRawUnsafe('CREATE TABLE refuse_switch (refuse boolean NOT NULL)');
      await world.prisma.$executeRawUnsafe('INSERT INTO refuse_switch VALUES (true)');
      await world.prisma.$executeRawUnsafe(`
      CREATE OR REPLACE FUNCTION refuse_results() RETURNS trigger AS $$
      BEGIN
        IF NEW."completedAt" IS NOT NULL AND (SELECT refuse FROM refuse_switch) THEN
          RAISE EXCEPTION 'storage unavailable (test)';
        END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
      await world.prisma.$executeRawUnsafe(
        'CREATE TRIGGER refuse_results BEFORE UPDATE ON "FiscalDocument" FOR EACH ROW EXECUTE FUNCTION refuse_results()',
      );
      // The receipt takes a second on the device; the database comes back two seconds later.
      await addSimFault(world.cashCore, { kind: 'delay', match: 'TradeOperation', delayMs: 1_000 });
      const comesBack = new Promise<void>((resolve, reject) =>
        setTimeout(
          () =>
            world.prisma
              .$executeRawUnsafe('UPDATE refuse_switch SET refuse = false')
              .then(() => resolve(), reject),
          3_000,
        ),
      );

      const body = saleBody('R-1', 27_000, { docTime: '2026-12-01 11:00:00' });
      const answer = saleAnswerSchema.parse(
        (await postSale(world.cloud.url, world.seed!.posKeys.cashCore, body)).answer,
      );
      await comesBack;
      expect(answer, JSON.stringify(answer)).toMatchObject({ status: 'success', code: 0 });
      // It was refused at first: the cloud logged the failed writes and tried again.
      expect(world.cloud.process.output.some((line) => line.includes('could not store a result'))).toBe(true);
      const document = await world.prisma.fiscalDocument.findFirstOrThrow({ where: { kind: 'receipt' } });
      expect(document.status).toBe('done');
      expect(document.fiscalId).toBe(answer.fiscalID);
      // The client's repeat is answered from the stored document: the same receipt, no second one.
      const repeat = saleAnswerSchema.parse(
        (await postSale(world.cloud.url, world.seed!.posKeys.cashCore, body)).answer,
      );
      expect(repeat.fiscalID).toBe(answer.fiscalID);
      expect((await world.journal(world.cashCore)).filter((entry) => entry.kind === 'sale')).toHaveLength(1);
    },
  );
});
