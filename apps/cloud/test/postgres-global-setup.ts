import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort, tempDir } from '@kassa-relay/testing';
import { applyMigrations } from '../src/database/migrate';
import { type LocalPostgres, startLocalPostgres } from '@kassa-relay/postgres-server';
import { adminQuery } from './test-database';

const TEMPLATE = 'kassa_template';
/** Per fork: a cloud's pool (10), the test's Prisma client (10), the cloud's migration check, headroom. */
const CONNECTIONS_PER_WORKER = 40;

/**
 * One PostgreSQL server for the whole vitest run (wired in vitest.config.mts), in a temp directory
 * on 127.0.0.1, with the cloud's migrations applied once to a template database. Every CloudWorld
 * copies the template into a database of its own (test-database.ts) instead of paying initdb, a
 * server start and the migrations per file. Tests that stop PostgreSQL still run their own.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  if (!wanted(project)) return () => undefined;
  const dir = tempDir('kassa-test-postgres-');
  const dataDir = join(dir.path, 'data');
  const port = await freePort();
  const start = () => startLocalPostgres({ dataDir, port, database: TEMPLATE });
  let server: LocalPostgres | undefined;
  try {
    server = await start();
    const adminUrl = new URL(server.url);
    adminUrl.pathname = '/postgres';
    const workers = project.config.maxWorkers ?? availableParallelism();
    // max_connections only changes at a server start. fsync off: nothing here outlives the run.
    await adminQuery(
      adminUrl.toString(),
      `ALTER SYSTEM SET max_connections = ${50 + CONNECTIONS_PER_WORKER * workers}`,
      'ALTER SYSTEM SET fsync = off',
    );
    server.stop();
    server = await start();
    await applyMigrations(server.url);
    // CREATE DATABASE … TEMPLATE fails while anyone is connected to the template: nobody may.
    await adminQuery(
      adminUrl.toString(),
      `ALTER DATABASE ${TEMPLATE} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`,
    );
    project.provide('sharedPostgres', { adminUrl: adminUrl.toString(), template: TEMPLATE });
  } catch (error) {
    server?.stop();
    dir.remove();
    throw error;
  }
  return () => {
    server?.stop();
    dir.remove();
  };
}

/** Where the files are that start a cloud through `CloudWorld` (they use the shared server). */
const CLOUD_WORLD_TESTS = ['apps/cloud/test', 'apps/dashboard/test'];

/**
 * Whether this run can reach a file that uses the server. A run of one project
 * (`vitest run libs/protocol/`, what `nx test protocol` does) names it with a filter; vitest keeps
 * the filters on its instance (`filenamePattern`, not part of its typed API, hence the guard). When
 * they cannot be read, the server is started: a run that needs it never goes without.
 */
function wanted(project: TestProject): boolean {
  const filters = (project.vitest as unknown as { filenamePattern?: unknown }).filenamePattern;
  if (!Array.isArray(filters) || filters.length === 0) return true;
  const root = project.vitest.config.root;
  const files = CLOUD_WORLD_TESTS.flatMap((folder) =>
    readdirSync(join(root, folder)).map((name) => relative(root, join(root, folder, name))),
  );
  return filters.some((filter) => files.some((file) => file.includes(String(filter).replace(/^\.\//, ''))));
}
