import type { ChildProcess } from 'node:child_process';
import { ChildProgram, ChildProgramNotReady } from './child-program';

export interface StartedProcess {
  child: ChildProcess;
  /** Every line the process printed so far (stdout and stderr). */
  output: string[];
  /** The first line that matched `readyPattern`, with its match. */
  readyMatch: RegExpMatchArray;
  /** Sends a signal and waits for exit (SIGKILL after `graceMs`). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

/**
 * Starts a program and waits until it prints a line matching `readyPattern` (e.g. a simulator's
 * "listening on http://127.0.0.1:PORT"). Fails with the output so far if it exits or times out.
 * For tests: every line is kept (`output`); a long run wants `ChildProgram` with a short tail.
 */
export async function startProcess(
  command: string,
  args: string[],
  options: { readyPattern: RegExp; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string },
): Promise<StartedProcess> {
  const program = ChildProgram.start({
    name: `${command} ${args.join(' ')}`,
    command,
    args,
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    tailLines: Number.POSITIVE_INFINITY,
  });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const readyMatch = await program.waitForLine(options.readyPattern, timeoutMs).catch((error: unknown) => {
    if (!(error instanceof ChildProgramNotReady)) throw error;
    const output = program.tail.join('\n');
    if ('exit' in error.reason)
      throw new Error(`${program.name} exited with ${error.reason.exit.code} before it was ready\n${output}`);
    void program.kill();
    throw new Error(`${program.name}: not ready after ${timeoutMs} ms\n${output}`);
  });
  return {
    child: program.child,
    output: program.tail,
    readyMatch,
    stop: async (signal = 'SIGTERM', graceMs = 5_000) => (await program.stop(graceMs, signal)).code,
  };
}
