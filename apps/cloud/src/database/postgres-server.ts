import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { userInfo } from 'node:os';

export interface LocalPostgres {
  url: string;
  stop(): void;
}

/**
 * A real PostgreSQL server in `dataDir` (created on first start, kept afterwards), listening on
 * 127.0.0.1 only, from the PostgreSQL binaries on PATH (`initdb`, `pg_ctl`). PostgreSQL refuses to
 * run as root, so as root it runs as the `postgres` user, which then owns `dataDir`.
 */
export function startLocalPostgres(options: {
  dataDir: string;
  port: number;
  database?: string;
}): LocalPostgres {
  const database = options.database ?? 'kassa_relay';
  const asRoot = userInfo().uid === 0;
  const bin = postgresBinDir();
  const run = (command: string, args: string[]) => {
    const path = bin ? `${bin}/${command}` : command;
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
    const result = spawnSync(file, argv, { encoding: 'utf8' });
    if (result.status !== 0)
      throw new Error(`${command} failed: ${result.stderr || result.stdout || result.error?.message}`);
    return result.stdout;
  };
  if (!existsSync(options.dataDir)) mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  if (asRoot) {
    // The postgres user must be able to reach its data directory: let it traverse the ancestors.
    for (let dir = dirname(resolve(options.dataDir)); dir !== '/'; dir = dirname(dir)) {
      const mode = statSync(dir).mode;
      if ((mode & 0o001) === 0) chmodSync(dir, (mode & 0o7777) | 0o001);
    }
  }
  if (asRoot && statSync(options.dataDir).uid === 0) {
    const postgres = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const group = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(options.dataDir, postgres, group);
  }
  if (!existsSync(`${options.dataDir}/PG_VERSION`)) {
    run('initdb', [
      '-D',
      options.dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--no-instructions',
    ]);
  }
  // A server left running by a killed cloud is reused rather than started twice.
  const status = spawnSync(
    asRoot ? 'runuser' : bin ? `${bin}/pg_ctl` : 'pg_ctl',
    asRoot
      ? ['-u', 'postgres', '--', bin ? `${bin}/pg_ctl` : 'pg_ctl', '-D', options.dataDir, 'status']
      : ['-D', options.dataDir, 'status'],
    { encoding: 'utf8' },
  );
  if (status.status !== 0)
    run('pg_ctl', [
      '-D',
      options.dataDir,
      '-w',
      '-l',
      `${options.dataDir}/server.log`,
      '-o',
      `-p ${options.port} -k ${options.dataDir} -c listen_addresses=127.0.0.1`,
      'start',
    ]);
  const psql = (sql: string) =>
    spawnSync(
      bin ? `${bin}/psql` : 'psql',
      ['-h', '127.0.0.1', '-p', String(options.port), '-U', 'postgres', '-tAc', sql],
      { encoding: 'utf8' },
    );
  if (psql(`SELECT 1 FROM pg_database WHERE datname = '${database}'`).stdout.trim() !== '1')
    psql(`CREATE DATABASE ${database}`);
  return {
    url: `postgresql://postgres@127.0.0.1:${options.port}/${database}`,
    stop: () => {
      run('pg_ctl', ['-D', options.dataDir, '-m', 'fast', '-w', 'stop']);
    },
  };
}

/**
 * Where `initdb` and `pg_ctl` are: on PATH, or Debian's /usr/lib/postgresql/<version>/bin (the
 * "postgresql" package does not put them on PATH). Undefined means "on PATH".
 */
function postgresBinDir(): string | undefined {
  if (spawnSync('sh', ['-c', 'command -v initdb && command -v pg_ctl']).status === 0) return undefined;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(`${root}/${v}/bin/initdb`))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0]) return `${root}/${versions[0]}/bin`;
  throw new Error(
    'PostgreSQL server binaries not found (initdb, pg_ctl): install the "postgresql" package or set DATABASE_URL',
  );
}

/** Stops a server left behind by a process that could not stop it (tests, a killed cloud). */
export function stopLocalPostgres(dataDir: string): void {
  const asRoot = userInfo().uid === 0;
  if (!existsSync(`${dataDir}/postmaster.pid`)) return;
  const bin = postgresBinDir();
  const pgCtl = bin ? `${bin}/pg_ctl` : 'pg_ctl';
  const [file, argv] = asRoot
    ? ['runuser', ['-u', 'postgres', '--', pgCtl, '-D', dataDir, '-m', 'immediate', '-w', 'stop']]
    : [pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']];
  spawnSync(file, argv as string[], { encoding: 'utf8' });
}
