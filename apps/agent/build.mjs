// Bundles the agent into one file, dist/main.js. Native and optional modules stay external:
// better-sqlite3 loads its compiled addon from node_modules at run time.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
await build({
  entryPoints: [join(root, 'src/main.ts')],
  outfile: join(root, 'dist/main.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  minify: true,
  external: ['better-sqlite3', 'bufferutil', 'utf-8-validate'],
  logLevel: 'info',
});
