import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Newest modification time under a path (a file or a folder tree); 0 when it does not exist. */
function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const outdated = (output: string, sources: string[]): boolean =>
  !existsSync(output) || statSync(output).mtimeMs < Math.max(...sources.map(newest));

export interface BuildStep {
  what: string;
  /** npm arguments, run in the repository root. */
  npm: string[];
}

/**
 * What a fresh clone lacks after `npm ci`, and what went stale since: the Prisma client (generated,
 * gitignored) and the dashboard bundle. Everything else runs from its TypeScript sources.
 */
export function buildSteps(repoRoot: string): BuildStep[] {
  const steps: BuildStep[] = [];
  const cloud = join(repoRoot, 'apps/cloud');
  if (
    outdated(join(cloud, 'src/generated/prisma/client.ts'), [
      join(cloud, 'prisma/schema.prisma'),
      join(cloud, 'prisma.config.ts'),
    ])
  )
    steps.push({ what: 'Prisma client', npm: ['run', 'db:generate', '-w', '@kassa-relay/cloud'] });
  const dashboard = join(repoRoot, 'apps/dashboard');
  if (hasBuildScript(join(dashboard, 'package.json'))) {
    // The bundle also carries the admin API contract and the protocol schemas under it.
    const sources = [
      ...['src', 'index.html', 'vite.config.ts', 'package.json'].map((p) => join(dashboard, p)),
      ...['libs/admin-api/src', 'libs/protocol/src'].map((p) => join(repoRoot, p)),
    ];
    if (outdated(dashboardIndex(repoRoot), sources))
      steps.push({ what: 'dashboard', npm: ['run', 'build', '-w', '@kassa-relay/dashboard'] });
  }
  return steps;
}

/** The built dashboard the cloud serves at `/` (when it exists). */
export function dashboardIndex(repoRoot: string): string {
  return join(repoRoot, 'apps/dashboard/dist/index.html');
}

function hasBuildScript(packageFile: string): boolean {
  if (!existsSync(packageFile)) return false;
  const manifest = JSON.parse(readFileSync(packageFile, 'utf8')) as { scripts?: Record<string, string> };
  return typeof manifest.scripts?.['build'] === 'string';
}

/** Runs one step, its output appended to `logFile`; rejects with the output's tail when it fails. */
export function runBuildStep(
  step: BuildStep,
  repoRoot: string,
  logFile: string,
  signal: AbortSignal,
): Promise<void> {
  mkdirSync(dirname(logFile), { recursive: true });
  appendFileSync(logFile, `\n=== ${new Date().toISOString()} npm ${step.npm.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn('npm', step.npm, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], signal });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      appendFileSync(logFile, chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (error) => reject(error));
    child.once('close', (code) => {
      if (code === 0) return resolve();
      const tail = output.trimEnd().split('\n').slice(-20);
      reject(
        new Error(
          `building the ${step.what} failed (npm ${step.npm.join(' ')}):\n${tail.map((l) => `  | ${l}`).join('\n')}`,
        ),
      );
    });
  });
}
