/**
 * Writes prisma/migrations/<timestamp>_<name>/migration.sql: the SQL from the schema the last
 * migration was made from (prisma/migrations/schema.snapshot.prisma) to prisma/schema.prisma.
 * Datamodel → datamodel: Prisma's WASM engine computes it without a database and without the
 * CLI's downloaded binary. Usage: npm run db:migration:new -w @kassa-relay/cloud -- <name>
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalPostgres } from '@kassa-relay/postgres-server';
import { NO_FILTERS, withSchemaEngine } from '../../src/database/schema-engine';
import { MIGRATIONS_DIR, SCHEMA_PATH } from '../../src/database/migrate';

async function main(): Promise<void> {
  const name = (process.argv[2] ?? '').replace(/[^a-z0-9_]/gi, '_');
  if (!name) throw new Error('usage: make-migration <name>');
  const snapshot = join(MIGRATIONS_DIR, 'schema.snapshot.prisma');
  const schema = readFileSync(SCHEMA_PATH, 'utf8');
  // The diff reads no database, but the engine connects at start: DATABASE_URL or a throwaway server.
  const scratch = process.env['DATABASE_URL'] ? undefined : mkdtempSync(join(tmpdir(), 'kassa-migration-'));
  const server = scratch
    ? await startLocalPostgres({ dataDir: join(scratch, 'pg'), port: 55000 + (process.pid % 500) })
    : undefined;
  try {
    await writeMigration(
      name,
      snapshot,
      schema,
      process.env['DATABASE_URL'] ?? (server as { url: string }).url,
    );
  } finally {
    server?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

async function writeMigration(
  name: string,
  snapshot: string,
  schema: string,
  databaseUrl: string,
): Promise<void> {
  const from = existsSync(snapshot)
    ? { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: readFileSync(snapshot, 'utf8') }] }
    : { tag: 'empty' };
  const diff = await withSchemaEngine(databaseUrl, SCHEMA_PATH, (engine) =>
    engine.diff({
      from,
      to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: schema }] },
      script: true,
      exitCode: null,
      filters: NO_FILTERS,
    }),
  );
  const sql = diff.stdout ?? '';
  if (sql.trim() === '' || /This is an empty migration/.test(sql)) {
    process.stdout.write('schema unchanged: no migration written\n');
    return;
  }
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const dir = join(MIGRATIONS_DIR, `${stamp}_${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'migration.sql'), sql);
  writeFileSync(join(MIGRATIONS_DIR, 'migration_lock.toml'), 'provider = "postgresql"\n');
  copyFileSync(SCHEMA_PATH, snapshot);
  process.stdout.write(`wrote ${dir}/migration.sql\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
