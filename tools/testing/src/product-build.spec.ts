import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from './temp-dir';
import { buildSteps } from './product-build';

describe('what `npm start` builds before it runs', () => {
  const dir = tempDir('kassa-demo-build-');
  afterEach(() => dir.remove());

  const file = (path: string, ageSec: number, text = '') => {
    const full = join(dir.path, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
    const at = new Date(Date.now() - ageSec * 1000);
    utimesSync(full, at, at);
  };
  const dashboardPackage = (scripts: object) => JSON.stringify({ name: '@kassa-relay/dashboard', scripts });

  it('a fresh clone: the Prisma client and the dashboard bundle', () => {
    file('apps/cloud/prisma/schema.prisma', 100);
    file('apps/dashboard/package.json', 100, dashboardPackage({ build: 'vite build' }));
    file('apps/dashboard/src/main.tsx', 100);
    expect(buildSteps(dir.path)).toEqual([
      { what: 'Prisma client', npm: ['run', 'db:generate', '-w', '@kassa-relay/cloud'] },
      { what: 'dashboard', npm: ['run', 'build', '-w', '@kassa-relay/dashboard'] },
    ]);
  });

  it('nothing when the outputs are newer than their sources; only what went stale otherwise', () => {
    file('apps/cloud/prisma/schema.prisma', 100);
    file('apps/cloud/src/generated/prisma/client.ts', 50);
    file('apps/dashboard/package.json', 100, dashboardPackage({ build: 'vite build' }));
    file('apps/dashboard/src/main.tsx', 100);
    file('apps/dashboard/dist/index.html', 50);
    // Folder times move when files are added; only file contents count here.
    utimesSync(
      join(dir.path, 'apps/dashboard/src'),
      new Date(Date.now() - 100_000),
      new Date(Date.now() - 100_000),
    );
    expect(buildSteps(dir.path)).toEqual([]);

    file('apps/dashboard/src/main.tsx', 10);
    expect(buildSteps(dir.path).map((s) => s.what)).toEqual(['dashboard']);
    file('apps/cloud/prisma/schema.prisma', 5);
    expect(buildSteps(dir.path).map((s) => s.what)).toEqual(['Prisma client', 'dashboard']);
  });

  it('a changed admin API contract rebuilds the dashboard (the bundle carries it)', () => {
    file('apps/cloud/prisma/schema.prisma', 100);
    file('apps/cloud/src/generated/prisma/client.ts', 50);
    file('apps/dashboard/package.json', 100, dashboardPackage({ build: 'vite build' }));
    file('apps/dashboard/src/main.tsx', 100);
    file('libs/admin-api/src/registers.ts', 100);
    file('apps/dashboard/dist/index.html', 50);
    for (const folder of ['apps/dashboard/src', 'libs/admin-api/src', 'libs/admin-api', 'libs'])
      utimesSync(join(dir.path, folder), new Date(Date.now() - 100_000), new Date(Date.now() - 100_000));
    expect(buildSteps(dir.path)).toEqual([]);
    file('libs/admin-api/src/registers.ts', 10);
    expect(buildSteps(dir.path).map((s) => s.what)).toEqual(['dashboard']);
  });

  it('no dashboard step while the dashboard has no build script (or does not exist)', () => {
    file('apps/cloud/prisma/schema.prisma', 100);
    file('apps/cloud/src/generated/prisma/client.ts', 50);
    expect(buildSteps(dir.path)).toEqual([]);
    file('apps/dashboard/package.json', 100, dashboardPackage({ dev: 'vite' }));
    expect(buildSteps(dir.path)).toEqual([]);
  });
});
