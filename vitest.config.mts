import { defineConfig } from 'vitest/config';

// One runner for the whole workspace: every project's *.spec.ts (unit, next to the code) and
// test/**/*.test.ts (integration against real servers started by the test itself).
export default defineConfig({
  test: {
    include: ['{apps,libs,tools}/*/src/**/*.spec.ts', '{apps,libs,tools}/*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
