import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { inject } from 'vitest';

/** The run's one PostgreSQL server, started by `postgres-global-setup.ts`. */
export interface SharedPostgres {
  /** A superuser URL of the server's `postgres` database: databases are created and dropped through it. */
  adminUrl: string;
  /** The database holding every migration, copied for each test database. */
  template: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    sharedPostgres: SharedPostgres;
  }
}

/** The shared server, or undefined when the run has none (a config without the global setup). */
export function sharedPostgres(): SharedPostgres | undefined {
  return inject('sharedPostgres') as SharedPostgres | undefined;
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh database on the shared server, copied from the migrated template: a cloud started on it
 * finds every migration applied. The pid and random suffix keep parallel forks apart.
 */
export async function createTestDatabase(shared: SharedPostgres): Promise<TestDatabase> {
  const name = `kassa_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(shared.adminUrl, `CREATE DATABASE ${name} TEMPLATE ${shared.template}`);
  const url = new URL(shared.adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    // FORCE: a killed cloud or agent may still hold a connection.
    drop: () => adminQuery(shared.adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

export async function adminQuery(adminUrl: string, ...statements: string[]): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}
