import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, type StartedProcess, startProcess, tempDir } from '@kassa-relay/testing';
import { MIGRATIONS_DIR } from '../src/database/migrate';
import { ADMIN, repoRoot } from './cloud-world';
import { adminQuery, sharedPostgres } from './test-database';

/**
 * Several cloud instances started at the same moment on one empty database (a rolling deploy, or a
 * cluster coming up): each applies migrations at start, under PostgreSQL's migration advisory lock,
 * so every migration runs exactly once and every instance comes up on the finished schema.
 */
describe('schema migrations with three cloud instances starting at once', () => {
  const dir = tempDir('cloud-migrate-race-');
  const shared = sharedPostgres();
  const database = `kassa_race_${randomBytes(4).toString('hex')}`;
  const instances: StartedProcess[] = [];

  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.stop('SIGTERM', 15_000)));
    if (shared) await adminQuery(shared.adminUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    dir.remove();
  });

  it('applies each migration once and starts all three', async () => {
    if (!shared) throw new Error('this test needs the run’s shared PostgreSQL (vitest global setup)');
    // An empty database: nothing migrated yet, so all three race to migrate it.
    await adminQuery(shared.adminUrl, `CREATE DATABASE ${database}`);
    const url = new URL(shared.adminUrl);
    url.pathname = `/${database}`;
    const secretKey = randomBytes(32).toString('hex');
    const start = async (index: number) =>
      startProcess(process.execPath, ['-r', '@swc-node/register', join(repoRoot, 'apps/cloud/src/main.ts')], {
        cwd: repoRoot,
        readyPattern: /"msg":"cloud started"/,
        timeoutMs: 120_000,
        env: {
          HOST: '127.0.0.1',
          PORT: String(await freePort()),
          KASSA_DATA_DIR: join(dir.path, `cloud-${index}`),
          DATABASE_URL: url.toString(),
          KASSA_MQTT_HOST: '127.0.0.1',
          KASSA_MQTT_PORT: String(await freePort()),
          KASSA_SECRET_KEY: secretKey,
          KASSA_ADMIN_EMAIL: ADMIN.email,
          KASSA_ADMIN_PASSWORD: ADMIN.password,
          LOG_LEVEL: 'info',
        },
      });
    const started = await Promise.allSettled([0, 1, 2].map(start));
    for (const outcome of started) if (outcome.status === 'fulfilled') instances.push(outcome.value);
    const failures = started.flatMap((outcome) =>
      outcome.status === 'rejected' ? [String((outcome.reason as Error).message).slice(-1500)] : [],
    );
    expect(failures).toEqual([]);

    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    try {
      const applied = await client.query<{ migration_name: string; finished: boolean; rolled_back: boolean }>(
        `SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back
         FROM _prisma_migrations ORDER BY migration_name`,
      );
      const expected = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort();
      expect(expected.length).toBeGreaterThan(5);
      // Exactly one row per migration: none ran twice, none is half-done.
      expect(applied.rows).toEqual(
        expected.map((name) => ({ migration_name: name, finished: true, rolled_back: false })),
      );
      // The first admin and its organisation are made once, however many instances start.
      const counts = await client.query<{ admins: string; organisations: string }>(
        `SELECT (SELECT count(*) FROM "AdminUser") AS admins, (SELECT count(*) FROM "Organisation") AS organisations`,
      );
      expect(counts.rows[0]).toEqual({ admins: '1', organisations: '1' });
    } finally {
      await client.end();
    }
    // Each instance serves on the finished schema.
    for (const instance of instances) {
      const { url: base } = JSON.parse(instance.readyMatch.input ?? '{}') as { url: string };
      const login = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ADMIN),
      });
      expect(login.status).toBe(200);
    }
  });
});
