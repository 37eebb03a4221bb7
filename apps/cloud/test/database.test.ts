import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@kassa-relay/testing';
import { applyMigrations, MIGRATIONS_DIR } from '../src/database/migrate';
import { migrationNames } from '../src/database/schema-engine';
import { startLocalPostgres, type LocalPostgres } from '@kassa-relay/postgres-server';
import { createPrismaClient } from '../src/database/prisma-client';

describe('database: a real PostgreSQL, migrations by the WASM engine, Prisma Client 7', () => {
  const dir = tempDir('cloud-db-');
  const dataDir = join(dir.path, 'pg');
  const port = 54000 + (process.pid % 900);
  let server: LocalPostgres;

  beforeAll(async () => {
    server = await startLocalPostgres({ dataDir, port });
  });
  afterAll(() => {
    server?.stop();
    dir.remove();
  });

  it('applies the migrations once, in order, and records them like prisma migrate deploy', async () => {
    const folders = migrationNames(MIGRATIONS_DIR);
    expect(folders[0]).toMatch(/^\d{14}_init$/);
    // A database made by the first release, then upgraded by this one: only the new ones apply.
    const firstRelease = tempDir('migrations-');
    try {
      for (const name of [folders[0] as string, 'migration_lock.toml'])
        cpSync(join(MIGRATIONS_DIR, name), join(firstRelease.path, name), { recursive: true });
      expect(await applyMigrations(server.url, firstRelease.path)).toEqual([folders[0]]);
    } finally {
      firstRelease.remove();
    }
    // A document the first release recorded as `unknown` (a RESULT_UNKNOWN result).
    const old = createPrismaClient(server.url);
    await old.$executeRawUnsafe(`
      WITH o AS (INSERT INTO "Organisation" (id, name, "updatedAt") VALUES ('org-old', 'old', now()) RETURNING id),
           s AS (INSERT INTO "Store" (id, "organisationId", name, "updatedAt") SELECT 'store-old', id, 'old', now() FROM o RETURNING id),
           r AS (INSERT INTO "Register" (id, "storeId", kind, name, config, "updatedAt")
                 SELECT 'reg-old', id, 'ikkm', 'old', '{}'::jsonb, now() FROM s RETURNING id)
      INSERT INTO "FiscalDocument" (id, "registerId", "idempotencyKey", "commandId", kind, status, "originChannel",
                                    "requestedAt", "completedAt", error)
      SELECT 'doc-old', id, 'k-old', 'cmd-old', 'receipt', 'unknown', 'sale', '2026-11-23 10:00:00',
             '2026-11-23 10:00:20', '{"code":"RESULT_UNKNOWN","message":"no answer"}'::jsonb FROM r`);
    await old.$disconnect();
    const applied = await applyMigrations(server.url);
    expect(applied).toEqual(folders.slice(1));
    expect(await applyMigrations(server.url)).toEqual([]);
    const prisma = createPrismaClient(server.url);
    const rows = await prisma.$queryRaw<{ migration_name: string; finished: boolean }[]>`
      SELECT migration_name, finished_at IS NOT NULL AS finished FROM _prisma_migrations ORDER BY migration_name`;
    expect(rows).toEqual(folders.map((migration_name) => ({ migration_name, finished: true })));
    // `unknown` is now `inDoubt`, in doubt since its result, with the result's error as evidence.
    const upgraded = await prisma.fiscalDocument.findUniqueOrThrow({ where: { id: 'doc-old' } });
    expect(upgraded).toMatchObject({
      status: 'inDoubt',
      doubtSince: new Date('2026-11-23T10:00:20Z'),
      doubtEvidence: [{ at: '2026-11-23T10:00:20.000Z', text: 'no answer' }],
      completedAt: null,
    });
    await prisma.fiscalDocument.delete({ where: { id: 'doc-old' } });
    // The engine's advisory lock goes with its connection: nothing may hold it once a run is over,
    // or the next run (another cloud starting) waits for it and times out.
    const locks = await prisma.$queryRaw<{ held: bigint }[]>`
      SELECT count(*) AS held FROM pg_locks WHERE locktype = 'advisory' AND granted`;
    expect(locks).toEqual([{ held: 0n }]);
    await prisma.$disconnect();
  });

  it('stores the domain: organisation → store → register → fiscal document; idempotency keys are unique', async () => {
    const prisma = createPrismaClient(server.url);
    const organisation = await prisma.organisation.create({ data: { name: 'ТОО Ромашка' } });
    const store = await prisma.store.create({
      data: { organisationId: organisation.id, name: 'Магазин на Абая' },
    });
    const register = await prisma.register.create({
      data: {
        storeId: store.id,
        kind: 'cash_core',
        name: 'Касса 1',
        config: { kkmOfdId: 6923, taxTable: [{ percent: 12 }] },
      },
    });
    const document = await prisma.fiscalDocument.create({
      data: {
        registerId: register.id,
        idempotencyKey: 'sale:2026-11-23 10:00:00|A-1|35000',
        commandId: 'sale-abc',
        kind: 'receipt',
        operation: 'sale',
        total: 35_000,
        originChannel: 'sale',
      },
    });
    expect(document.status).toBe('pending');
    await expect(
      prisma.fiscalDocument.create({
        data: {
          registerId: register.id,
          idempotencyKey: document.idempotencyKey,
          commandId: 'sale-other',
          kind: 'receipt',
          originChannel: 'sale',
        },
      }),
    ).rejects.toThrow(/Unique constraint/);
    await prisma.$disconnect();
  });

  it('keeps the data across a server restart on the same data directory', async () => {
    server.stop();
    server = await startLocalPostgres({ dataDir, port });
    const prisma = createPrismaClient(server.url);
    const documents = await prisma.fiscalDocument.findMany({
      include: { register: { include: { store: true } } },
    });
    expect(documents).toHaveLength(1);
    expect(documents[0]?.total).toBe(35_000n);
    expect(documents[0]?.register.store.name).toBe('Магазин на Абая');
    expect(await applyMigrations(server.url)).toEqual([]);
    await prisma.$disconnect();
  });
});
