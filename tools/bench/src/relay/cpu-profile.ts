import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

/** Where a frame lives, short: a package name or a repository path. */
function where(url: string, repoRoot: string): string {
  if (!url) return '(native)';
  const path = url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return pkg[1] as string;
  if (path.startsWith('node:')) return path;
  return path.startsWith('/') ? relative(repoRoot, path) : path;
}

/**
 * The heaviest frames by self time in the `.cpuprofile` files `node --cpu-prof` wrote to `dir`,
 * grouped by function and file, as "share of samples · function (where)".
 */
export function topFrames(dir: string, repoRoot: string, count = 8): { samples: number; lines: string[] } {
  if (!existsSync(dir)) return { samples: 0, lines: [] };
  const self = new Map<string, number>();
  let total = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    for (const id of profile.samples) {
      const frame = byId.get(id)?.callFrame;
      if (!frame || frame.functionName === '(idle)') continue;
      const key = `${frame.functionName || '(anonymous)'} (${where(frame.url, repoRoot)})`;
      self.set(key, (self.get(key) ?? 0) + 1);
      total += 1;
    }
  }
  const lines = [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, n]) => `${((100 * n) / Math.max(1, total)).toFixed(1)} % · ${key}`);
  return { samples: total, lines };
}

/** Busy share per package / area: which libraries the process spends its CPU in. */
export function topAreas(dir: string, repoRoot: string, count = 8): string[] {
  if (!existsSync(dir)) return [];
  const self = new Map<string, number>();
  let total = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    for (const id of profile.samples) {
      const frame = byId.get(id)?.callFrame;
      if (!frame || frame.functionName === '(idle)') continue;
      const area = frame.url
        ? where(frame.url, repoRoot).replace(/^(apps\/[^/]+\/src\/[^/]+|libs\/[^/]+|node:[^/]+).*/, '$1')
        : frame.functionName;
      self.set(area, (self.get(area) ?? 0) + 1);
      total += 1;
    }
  }
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, n]) => `${((100 * n) / Math.max(1, total)).toFixed(0)} % ${key}`);
}
