import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export interface ProcessSpec {
  /** How the terminal names it: "cloud", "agent", "iKKM simulator". */
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Everything it prints is appended here. */
  logFile: string;
}

const TAIL_LINES = 25;

/**
 * One child program of the demo. It runs in its own process group, so Ctrl-C in the terminal
 * reaches only the launcher, which then stops the children in order. Its output goes to a log
 * file; the last lines are kept for the terminal in case it dies.
 */
export class ManagedProcess {
  private readonly tail: string[] = [];
  private readonly lineListeners = new Set<(line: string) => void>();
  private readonly log: WriteStream;
  private stopRequested = false;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly spec: ProcessSpec,
    readonly child: ChildProcess,
  ) {
    mkdirSync(dirname(spec.logFile), { recursive: true });
    this.log = createWriteStream(spec.logFile, { flags: 'a' });
    this.log.write(`\n=== ${new Date().toISOString()} ${spec.command} ${spec.args.join(' ')}\n`);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.log.end(`=== exited: ${signal ?? `code ${code}`}\n`);
        resolve({ code, signal });
      }),
    );
    child.once('error', (error) => this.onLine(`${spec.name}: ${error.message}`));
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

  static spawn(spec: ProcessSpec): ManagedProcess {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    return new ManagedProcess(spec, child);
  }

  get name(): string {
    return this.spec.name;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Whether its exit was asked for (a stop) rather than a failure. */
  get stopping(): boolean {
    return this.stopRequested;
  }

  lastLines(): string[] {
    return [...this.tail];
  }

  /**
   * Resolves with the first line matching `pattern`; rejects with the last output lines if the
   * program exits first or stays silent for `timeoutMs`.
   */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const seen = this.tail.map((line) => line.match(pattern)).find((m) => m !== null);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.lineListeners.delete(listener);
      };
      const listener = (line: string) => {
        const match = line.match(pattern);
        if (!match) return;
        done();
        resolve(match);
      };
      const timer = setTimeout(() => {
        done();
        reject(new ChildFailure(this, `was not ready after ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.lineListeners.add(listener);
      void this.exited.then(({ code, signal }) => {
        if (!this.lineListeners.has(listener)) return;
        done();
        reject(new ChildFailure(this, `exited (${signal ?? `code ${code}`}) before it was ready`));
      });
    });
  }

  /** SIGTERM, then SIGKILL to its whole process group after `graceMs`. */
  async stop(graceMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.stopRequested = true;
    if (this.running) this.signal('SIGTERM');
    const killer = setTimeout(() => this.signal('SIGKILL', true), graceMs);
    const outcome = await this.exited;
    clearTimeout(killer);
    return outcome;
  }

  /** Last resort when the launcher itself is going down: no waiting. */
  kill(): void {
    this.stopRequested = true;
    if (this.running) this.signal('SIGKILL', true);
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

  private onLine(line: string): void {
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    for (const listener of [...this.lineListeners]) listener(line);
  }
}

/** A child that failed: the message carries its last output lines. */
export class ChildFailure extends Error {
  override name = 'ChildFailure';
  constructor(
    readonly process: ManagedProcess,
    what: string,
  ) {
    const lines = process.lastLines();
    super(
      `${process.name} ${what}. Its last output (full log: ${process.spec.logFile}):\n` +
        (lines.length ? lines.map((l) => `  | ${l}`).join('\n') : '  | (nothing)'),
    );
  }
}
