import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';

export { freePort, stopPostgres, waitUntil } from '@kassa-relay/testing';

/**
 * One child program (the cloud, the agent): output appended to a log file, the last lines kept in
 * memory (the whole output is never kept: a long run logs a lot), its exit observable.
 */
export class ChildProgram {
  readonly tail: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly log: WriteStream;
  private readonly waiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  /** Called with every line the program prints. */
  readonly lineListeners = new Set<(line: string) => void>();

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    logFile: string,
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.log.end(`--- ${name} exited (${signal ?? `code ${code}`}) ---\n`);
        resolve({ code, signal });
      }),
    );
    for (const stream of [child.stdout, child.stderr]) {
      let buffer = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        this.log.write(chunk);
        buffer += chunk;
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) this.onLine(line);
      });
    }
  }

  static start(
    name: string,
    args: string[],
    options: { cwd: string; env: NodeJS.ProcessEnv; logFile: string },
  ): ChildProgram {
    const child = spawn(process.execPath, args, {
      cwd: options.cwd,
      env: { ...cleanEnv(process.env), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) throw new Error(`${name}: could not start`);
    return new ChildProgram(name, child, options.logFile);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private onLine(line: string): void {
    this.tail.push(line);
    if (this.tail.length > 200) this.tail.splice(0, this.tail.length - 200);
    for (const listener of this.lineListeners) listener(line);
    for (const waiter of [...this.waiters])
      if (waiter.pattern.test(line)) {
        this.waiters.delete(waiter);
        waiter.resolve(line);
      }
  }

  lastLines(count = 30): string {
    return this.tail.slice(-count).join('\n');
  }

  /** The first line (already printed or still to come) matching `pattern`; fails if the program exits first. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string> {
    const seen = this.tail.find((line) => pattern.test(line));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        pattern,
        resolve: (line: string) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(
          new Error(`${this.name}: no line matching ${pattern} within ${timeoutMs} ms\n${this.lastLines()}`),
        );
      }, timeoutMs);
      this.waiters.add(waiter);
      void this.exited.then(({ code, signal }) => {
        if (!this.waiters.delete(waiter)) return;
        clearTimeout(timer);
        reject(
          new Error(`${this.name} exited (${signal ?? `code ${code}`}) before ready\n${this.lastLines()}`),
        );
      });
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(killer);
  }
}

/** The environment without anything that would point the cloud or agent elsewhere (or at vitest). */
function cleanEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env))
    if (!/^(DATABASE_URL|MQTT_|KASSA_|PORT$|HOST$|LOG_LEVEL$|NODE_OPTIONS$|VITEST)/.test(key))
      out[key] = value;
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The resident set size of a process (`VmRSS` in /proc/<pid>/status), in KiB; 0 when unreadable. */
export function rssKib(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}
