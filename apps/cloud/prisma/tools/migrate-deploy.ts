/**
 * Applies pending migrations to DATABASE_URL with Prisma's WASM schema engine — what the cloud
 * does at every start, for operators who want it as a separate step (CI, a release job).
 * Usage: DATABASE_URL=postgresql://… npm run db:migrate -w @kassa-relay/cloud
 */
import { applyMigrations } from '../../src/database/migrate';

async function main(): Promise<void> {
  const url = process.env['DATABASE_URL'];
  if (!url) throw new Error('DATABASE_URL is required');
  const applied = await applyMigrations(url);
  process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
