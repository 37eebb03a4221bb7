import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

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
