// `nx build cloud`: compiles the cloud with SWC into dist/ (one .js per .ts, decorator metadata
// kept: Nest's dependency injection needs it, which is why this is not esbuild). The workspace
// libraries (@kassa-relay/protocol, @kassa-relay/admin-api, @kassa-relay/postgres-server) ship TypeScript sources, so they are compiled too, into
// dist/node_modules, where Node's resolution from dist/*.js finds it first. Run: node dist/main.js
// (dist/ must stay next to prisma/: the migrations are read from ../prisma).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const repo = join(root, '../..');
const swc = join(dirname(createRequire(import.meta.url).resolve('@swc/cli/package.json')), 'bin/swc.js');
const dist = join(root, 'dist');

const compile = (projectDir, outDir) =>
  execFileSync(
    process.execPath,
    [
      swc,
      'src',
      '--out-dir',
      outDir,
      '--strip-leading-paths',
      '--config-file',
      join(root, '.swcrc'),
      '--ignore',
      '**/*.spec.ts',
      '--copy-files',
      '--quiet',
    ],
    { cwd: projectDir, stdio: 'inherit' },
  );

// The Prisma client is generated code (gitignored): make sure it matches prisma/schema.prisma.
execFileSync('npm', ['run', 'db:generate'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
rmSync(dist, { recursive: true, force: true });
compile(root, dist);
for (const lib of ['protocol', 'admin-api', 'postgres-server']) {
  const out = join(dist, 'node_modules/@kassa-relay', lib);
  mkdirSync(out, { recursive: true });
  compile(join(repo, 'libs', lib), out);
  writeFileSync(
    join(out, 'package.json'),
    `${JSON.stringify({ name: `@kassa-relay/${lib}`, private: true, main: 'index.js' }, null, 2)}\n`,
  );
}
console.log(`cloud built into ${dist} (run: node dist/main.js)`);
