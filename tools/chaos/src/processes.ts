import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';

export { freePort, stopPostgres, waitUntil } from '@kassa-relay/testing';

/**
 * One run of a program: its output goes to a log file (appended across restarts) and a short tail in
 * memory. Not `startProcess` of @kassa-relay/testing: that one keeps every line in memory (a long soak
 * restarts the agent hundreds of times, each printing thousands of lines) and cannot wait for any
 * line but its ready line; the temp directory does come from there.
 */
export class RunningProcess {
  readonly tail: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly lineWaiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    private readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.log(`--- ${name} exited (${signal ?? `code ${code}`}) ---`);
        resolve({ code, signal });
      }),
    );
    for (const stream of [child.stdout, child.stderr]) {
      let buffer = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        buffer += chunk;
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) this.onLine(line);
      });
    }
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private onLine(line: string): void {
    this.tail.push(line);
    if (this.tail.length > 300) this.tail.splice(0, this.tail.length - 300);
    this.log(line);
    for (const waiter of [...this.lineWaiters])
      if (waiter.pattern.test(line)) {
        this.lineWaiters.delete(waiter);
        waiter.resolve(line);
      }
  }

  log(line: string): void {
    try {
      appendFileSync(this.logFile, `${line}\n`);
    } catch {
      // the run directory may already be gone during cleanup
    }
  }

  /** The first line (from now on, or already in the tail) matching `pattern`; fails if the process exits first. */
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
        this.lineWaiters.delete(waiter);
        reject(
          new Error(`${this.name}: no line matching ${pattern} within ${timeoutMs} ms\n${this.lastLines()}`),
        );
      }, timeoutMs);
      this.lineWaiters.add(waiter);
      void this.exited.then(({ code, signal }) => {
        if (!this.lineWaiters.delete(waiter)) return;
        clearTimeout(timer);
        reject(
          new Error(`${this.name} exited (${signal ?? `code ${code}`}) before ready\n${this.lastLines()}`),
        );
      });
    });
  }

  lastLines(count = 40): string {
    return this.tail.slice(-count).join('\n');
  }

  /** SIGKILL: a crash, no cleanup. Resolves once the process is gone. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
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

export interface ProgramSpec {
  name: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd: string;
  logFile: string;
}

/**
 * Every process the soak starts, so that all stop however the run ends (also on an exception or
 * a signal): `stopAll` SIGKILLs what is left, then runs the cleanups (the embedded PostgreSQL).
 */
export class ProcessRegistry {
  private readonly live = new Set<RunningProcess>();
  private readonly cleanups: (() => void | Promise<void>)[] = [];

  /** `node <args>` with a clean environment (no inherited KASSA_*, MQTT_*, DATABASE_URL, PORT, HOST). */
  start(spec: ProgramSpec): RunningProcess {
    appendFileSync(spec.logFile, `--- ${new Date().toISOString()} starting ${spec.name} ---\n`);
    const child = spawn(process.execPath, spec.args, {
      cwd: spec.cwd,
      env: { ...cleanEnv(process.env), ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) throw new Error(`${spec.name}: could not start`);
    const running = new RunningProcess(spec.name, child, spec.logFile);
    this.live.add(running);
    void running.exited.then(() => this.live.delete(running));
    return running;
  }

  onCleanup(step: () => void | Promise<void>): void {
    this.cleanups.push(step);
  }

  /** Pids still running (for a last-resort kill from a signal handler). */
  pids(): number[] {
    return [...this.live].filter((p) => p.running).map((p) => p.pid);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.live].map((p) => p.stop(5_000).catch(() => undefined)));
    this.live.clear();
    for (const step of this.cleanups.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        process.stderr.write(`chaos cleanup: ${(error as Error).message}\n`);
      }
    }
  }
}

function cleanEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env))
    if (!/^(DATABASE_URL|MQTT_|KASSA_|PORT$|HOST$|LOG_LEVEL$|NODE_OPTIONS$|VITEST)/.test(key))
      out[key] = value;
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
