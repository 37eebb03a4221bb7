import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildProgramOptions {
  /** How messages and the log name it: "cloud", "agent", "iKKM simulator". */
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  /** The whole environment of the program (nothing is added from this process's own). */
  env?: NodeJS.ProcessEnv;
  /** Everything it prints is appended here (across restarts), with a line where each run starts and ends. */
  logFile?: string;
  /** The log's start and end lines, when a log's readers expect their own. */
  logMarks?: { start: string; exit(exit: ChildExit): string };
  /**
   * How many of its last lines are kept in memory (`tail`). A long run starts programs hundreds of
   * times, each printing thousands of lines, so keeping everything is for short tests only.
   */
  tailLines?: number;
  /**
   * Its own process group: Ctrl-C in a terminal then reaches only this process (which stops the
   * program in its own order), and the SIGKILL of `stop` and `kill` reaches the program's children too.
   */
  detached?: boolean;
}

/** `waitForLine` gave up: the program exited, or printed no matching line in time. */
export class ChildProgramNotReady extends Error {
  override name = 'ChildProgramNotReady';
  constructor(
    readonly program: ChildProgram,
    readonly reason: { exit: ChildExit } | { timeoutMs: number; pattern: RegExp },
  ) {
    super(
      'exit' in reason
        ? `${program.name} exited (${describeExit(reason.exit)}) before ready\n${program.lastLines(40)}`
        : `${program.name}: no line matching ${reason.pattern} within ${reason.timeoutMs} ms\n${program.lastLines(40)}`,
    );
  }
}

/**
 * One run of a child program (the cloud, an agent, a simulator, the demo launcher): its output
 * split into lines, the last ones kept in memory and all of it appended to a log file, its exit
 * observable, and a stop that escalates to SIGKILL so no test or tool leaves a program behind.
 */
export class ChildProgram {
  readonly tail: string[] = [];
  readonly exited: Promise<ChildExit>;
  private readonly lineListeners = new Set<(line: string) => void>();
  private readonly log: WriteStream | undefined;
  private readonly tailLines: number;
  private stopRequested = false;

  private constructor(
    readonly options: ChildProgramOptions,
    readonly child: ChildProcess,
  ) {
    this.tailLines = options.tailLines ?? 300;
    if (options.logFile) {
      mkdirSync(dirname(options.logFile), { recursive: true });
      this.log = createWriteStream(options.logFile, { flags: 'a' });
      // The run directory may already be gone during cleanup: a log that cannot be written is no failure.
      this.log.on('error', () => undefined);
      this.log.write(
        options.logMarks?.start ?? `--- ${new Date().toISOString()} starting ${options.name} ---\n`,
      );
    }
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.log?.end(
          options.logMarks?.exit({ code, signal }) ??
            `--- ${options.name} exited (${describeExit({ code, signal })}) ---\n`,
        );
        resolve({ code, signal });
      }),
    );
    // Without a listener a spawn failure (ENOENT) would be an uncaught exception.
    child.once('error', (error) => this.receive(`${options.name}: ${error.message}`));
    for (const stream of [child.stdout, child.stderr]) {
      let buffer = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        this.log?.write(chunk);
        buffer += chunk;
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) this.receive(line);
      });
    }
  }

  static start(options: ChildProgramOptions): ChildProgram {
    const child = spawn(options.command, options.args, {
      cwd: options.cwd ?? process.cwd(),
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.detached ?? false,
    });
    return new ChildProgram(options, child);
  }

  get name(): string {
    return this.options.name;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Whether its exit was asked for (`stop`, `kill`) rather than a failure. */
  get stopping(): boolean {
    return this.stopRequested;
  }

  lastLines(count = 30): string {
    return this.tail.slice(-count).join('\n');
  }

  /** Calls `listener` with every line printed from now on; the returned function unsubscribes. */
  onLine(listener: (line: string) => void): () => boolean {
    this.lineListeners.add(listener);
    return () => this.lineListeners.delete(listener);
  }

  private receive(line: string): void {
    this.tail.push(line);
    if (this.tail.length > this.tailLines) this.tail.splice(0, this.tail.length - this.tailLines);
    for (const listener of [...this.lineListeners]) listener(line);
  }

  /**
   * The first line (already in the tail, or still to come) matching `pattern`; rejects with
   * `ChildProgramNotReady` if the program exits first or prints no such line within `timeoutMs`.
   */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const seen = this.tail.map((line) => line.match(pattern)).find((match) => match !== null);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
      };
      const unsubscribe = this.onLine((line) => {
        const match = line.match(pattern);
        if (!match) return;
        done();
        resolve(match);
      });
      const timer = setTimeout(() => {
        done();
        reject(new ChildProgramNotReady(this, { timeoutMs, pattern }));
      }, timeoutMs);
      void this.exited.then((exit) => {
        if (!unsubscribe()) return;
        clearTimeout(timer);
        reject(new ChildProgramNotReady(this, { exit }));
      });
    });
  }

  /** `signal` (SIGTERM: the program's own clean stop), then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<ChildExit> {
    this.stopRequested = true;
    if (this.child.pid === undefined) return { code: null, signal: null };
    if (this.running) this.signal(signal);
    const killer = setTimeout(() => this.signal('SIGKILL', this.options.detached), graceMs);
    const exit = await this.exited;
    clearTimeout(killer);
    return exit;
  }

  /** SIGKILL: a crash, no cleanup. Resolves once the program is gone. */
  async kill(): Promise<ChildExit> {
    this.stopRequested = true;
    if (this.child.pid === undefined) return { code: null, signal: null };
    if (this.running) this.signal('SIGKILL', this.options.detached);
    return this.exited;
  }

  private signal(signal: NodeJS.Signals, group = false): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(group ? -pid : pid, signal);
    } catch {
      // Already gone.
    }
  }
}

export function describeExit(exit: ChildExit): string {
  return exit.signal ?? `code ${exit.code}`;
}

/**
 * This process's environment without anything that would point the cloud or an agent elsewhere
 * (DATABASE_URL, MQTT_*, KASSA_*, PORT, HOST) or at vitest, plus `overrides`.
 */
export function productEnv(overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!/^(DATABASE_URL|MQTT_|KASSA_|PORT$|HOST$|LOG_LEVEL$|NODE_OPTIONS$|VITEST)/.test(key))
      out[key] = value;
  return { ...out, ...overrides };
}

/**
 * Every program a run starts, so that all stop however the run ends (also on an exception or a
 * signal): `stopAll` stops what is left, newest first (agents before the cloud they talk to), then
 * runs the cleanups, newest first (the embedded PostgreSQL, temp directories).
 */
export class ProcessGroup {
  private readonly live = new Set<ChildProgram>();
  private readonly cleanups: (() => void | Promise<void>)[] = [];

  /** @param label names the run in a failed cleanup's message. */
  constructor(private readonly label = '') {}

  start(options: ChildProgramOptions): ChildProgram {
    const program = ChildProgram.start(options);
    if (program.child.pid === undefined)
      throw new Error(`${options.name}: could not start ${options.command}`);
    this.live.add(program);
    void program.exited.then(() => this.live.delete(program));
    return program;
  }

  onCleanup(step: () => void | Promise<void>): void {
    this.cleanups.push(step);
  }

  /** Pids still running (for a last-resort kill from a signal handler). */
  pids(): number[] {
    return [...this.live].filter((p) => p.running).map((p) => p.pid);
  }

  async stopAll(graceMs = 10_000): Promise<void> {
    for (const program of [...this.live].reverse()) await program.stop(graceMs).catch(() => undefined);
    this.live.clear();
    for (const step of this.cleanups.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        process.stderr.write(`${this.label ? `${this.label} ` : ''}cleanup: ${(error as Error).message}\n`);
      }
    }
  }
}
