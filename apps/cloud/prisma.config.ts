import { defineConfig } from 'prisma/config';

// The CLI reads the URL from here (Prisma 7 keeps it out of the schema). The cloud itself passes
// its URL to the driver adapter at run time.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env['DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/kassa_relay' },
});
