import { join, resolve } from 'node:path';
import { migrationList, NO_FILTERS, withSchemaEngine } from './schema-engine';

export const PRISMA_DIR = resolve(__dirname, '../../prisma');
export const SCHEMA_PATH = join(PRISMA_DIR, 'schema.prisma');
export const MIGRATIONS_DIR = join(PRISMA_DIR, 'migrations');

/**
 * Applies every migration in prisma/migrations not yet applied, in order, recording them in
 * `_prisma_migrations` exactly as `prisma migrate deploy` does. Safe to call at every start.
 */
export async function applyMigrations(
  databaseUrl: string,
  migrationsDir = MIGRATIONS_DIR,
): Promise<string[]> {
  const result = await withSchemaEngine(databaseUrl, SCHEMA_PATH, (engine) =>
    engine.applyMigrations({ migrationsList: migrationList(migrationsDir), filters: NO_FILTERS }),
  );
  return result.appliedMigrationNames;
}
