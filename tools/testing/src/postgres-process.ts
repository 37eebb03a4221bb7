import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';

/**
 * Stops a PostgreSQL left running in `dataDir` (the cloud crashed or was killed). As root the
 * server runs as `postgres`, so pg_ctl must too; failing that, the postmaster gets SIGQUIT.
 */
export function stopPostgres(dataDir: string): void {
  const pidFile = `${dataDir}/postmaster.pid`;
  if (!existsSync(pidFile)) return;
  const pgCtl = postgresTool('pg_ctl');
  const args = ['-D', dataDir, '-m', 'immediate', '-w', 'stop'];
  const result =
    userInfo().uid === 0
      ? spawnSync('runuser', ['-u', 'postgres', '--', pgCtl, ...args], { encoding: 'utf8' })
      : spawnSync(pgCtl, args, { encoding: 'utf8' });
  if (result.status === 0) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (pid > 0)
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {
      // already gone
    }
}

/** A PostgreSQL program: on PATH, or in Debian's /usr/lib/postgresql/<version>/bin (newest first). */
export function postgresTool(name: string): string {
  if (spawnSync('sh', ['-c', `command -v ${name}`]).status === 0) return name;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return name;
  const versions = spawnSync('ls', [root], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((v) => v && existsSync(`${root}/${v}/bin/${name}`))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? `${root}/${versions[0]}/bin/${name}` : name;
}
