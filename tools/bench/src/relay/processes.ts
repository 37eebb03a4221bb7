import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';

/** A program the benchmark started; its last output lines are kept for error messages. */
export interface Managed {
  name: string;
  child: ChildProcess;
  pid: number;
  /** The last 200 lines it printed (stdout and stderr). */
  output: string[];
  exited: Promise<number | null>;
  stop(graceMs?: number): Promise<void>;
}

/**
 * Every process the benchmark starts, so that all of them stop — in reverse order — however the
 * run ends. `cleanups` run after the processes (the embedded PostgreSQL, temp directories).
 */
export class ProcessGroup {
  private readonly started: Managed[] = [];
  private readonly cleanups: (() => void | Promise<void>)[] = [];

  spawn(
    name: string,
    command: string,
    args: string[],
    options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
  ): Managed {
    const child = spawn(command, args, {
      cwd: options.cwd ?? process.cwd(),
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
    const output: string[] = [];
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    for (const stream of [child.stdout, child.stderr]) {
      let buffer = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffer += chunk;
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        output.push(...lines);
        if (output.length > 200) output.splice(0, output.length - 200);
      });
    }
    const managed: Managed = {
      name,
      child,
      pid: child.pid,
      output,
      exited,
      stop: async (graceMs = 10_000) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(killer);
      },
    };
    this.started.push(managed);
    return managed;
  }

  onCleanup(step: () => void | Promise<void>): void {
    this.cleanups.push(step);
  }

  async stopAll(): Promise<void> {
    for (const managed of [...this.started].reverse()) await managed.stop().catch(() => undefined);
    this.started.length = 0;
    for (const step of this.cleanups.reverse()) {
      try {
        await step();
      } catch (error) {
        process.stderr.write(`cleanup: ${(error as Error).message}\n`);
      }
    }
    this.cleanups.length = 0;
  }
}

/** Waits for a line matching `pattern` in a managed process's output (or fails with its output). */
export async function waitForLine(managed: Managed, pattern: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = managed.output.find((l) => pattern.test(l));
    if (line) return line;
    if (managed.child.exitCode !== null || managed.child.signalCode !== null)
      throw new Error(`${managed.name} exited before it was ready:\n${managed.output.join('\n')}`);
    if (Date.now() > deadline)
      throw new Error(`${managed.name} not ready within ${timeoutMs} ms:\n${managed.output.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Stops the cloud's embedded PostgreSQL if it is still running (a cloud killed before it could
 * stop it). The cloud runs it with pg_ctl as the `postgres` user when started as root.
 */
export function stopPostgres(dataDir: string): void {
  if (!existsSync(`${dataDir}/postmaster.pid`)) return;
  const pgCtl = postgresTool('pg_ctl');
  const args = ['-D', dataDir, '-m', 'immediate', '-w', 'stop'];
  if (userInfo().uid === 0) spawnSync('runuser', ['-u', 'postgres', '--', pgCtl, ...args]);
  else spawnSync(pgCtl, args);
}

/** A PostgreSQL program: on PATH, or in Debian's /usr/lib/postgresql/<version>/bin. */
export function postgresTool(name: string): string {
  if (spawnSync('sh', ['-c', `command -v ${name}`]).status === 0) return name;
  const root = '/usr/lib/postgresql';
  const version = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(`${root}/${v}/bin/${name}`))
        .sort((a, b) => Number(b) - Number(a))[0]
    : undefined;
  return version ? `${root}/${version}/bin/${name}` : name;
}

// ---- CPU accounting ----

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of one process, in seconds; 0 when it is gone. */
function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** The pids of `root` and every process below it. */
export function processTree(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = parents.get(ppid) ?? [];
      list.push(Number(entry));
      parents.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift() as number;
    out.push(pid);
    queue.push(...(parents.get(pid) ?? []));
  }
  return out;
}

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
function machineJiffies(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/** A named set of processes whose CPU time is summed (e.g. PostgreSQL's postmaster and backends). */
export type CpuPart = 'cloud' | 'PostgreSQL' | 'agents' | 'harness';

export interface CpuSubject {
  name: string;
  /** Which part of the chain it is: the product itself (cloud, PostgreSQL, agents) or the harness. */
  part: CpuPart;
  pids: () => number[];
}

export interface CpuReport {
  /** Percent of one core, averaged over the window, per subject. */
  perSubject: { name: string; part: CpuPart; percentOfCore: number }[];
  /** Percent of the whole machine (all cores) busy over the window. */
  machineBusyPercent: number;
}

/** Measures CPU use of each subject between `start()` and `stop()`. */
export function cpuWindow(subjects: CpuSubject[]): { stop(): CpuReport } {
  const startedAt = performance.now();
  const machineBefore = machineJiffies();
  const before = new Map<string, Map<number, number>>();
  for (const subject of subjects)
    before.set(subject.name, new Map(subject.pids().map((pid) => [pid, processCpuSeconds(pid)])));
  return {
    stop: () => {
      const seconds = (performance.now() - startedAt) / 1000;
      const machineAfter = machineJiffies();
      const perSubject = subjects.map((subject) => {
        const earlier = before.get(subject.name) ?? new Map<number, number>();
        let used = 0;
        for (const pid of subject.pids()) used += processCpuSeconds(pid) - (earlier.get(pid) ?? 0);
        return { name: subject.name, part: subject.part, percentOfCore: (100 * used) / seconds };
      });
      const busy = machineAfter.busy - machineBefore.busy;
      const total = machineAfter.total - machineBefore.total;
      return { perSubject, machineBusyPercent: total > 0 ? (100 * busy) / total : Number.NaN };
    },
  };
}
