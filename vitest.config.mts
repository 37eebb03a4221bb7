import { defineConfig } from 'vitest/config';

// One runner for the whole workspace: every project's *.spec.ts (unit, next to the code) and
// test/**/*.test.ts (integration against real servers started by the test itself). One PostgreSQL
// server serves the whole run: each cloud test gets a database of its own on it (see the setup file).
export default defineConfig({
  test: {
    include: ['{apps,libs,tools}/*/src/**/*.spec.ts', '{apps,libs,tools}/*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['apps/cloud/test/postgres-global-setup.ts'],
    reporters: ['default'],
  },
});
