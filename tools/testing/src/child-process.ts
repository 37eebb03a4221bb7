import { type ChildProcess, spawn } from 'node:child_process';

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
 */
export function startProcess(
  command: string,
  args: string[],
  options: { readyPattern: RegExp; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string },
): Promise<StartedProcess> {
  const child = spawn(command, args, {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${command} ${args.join(' ')}: not ready after ${options.timeoutMs ?? 30_000} ms\n${output.join('\n')}`,
        ),
      );
    }, options.timeoutMs ?? 30_000);

    let settled = false;
    const onLine = (line: string) => {
      output.push(line);
      const match = settled ? null : line.match(options.readyPattern);
      if (!match) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        child,
        output,
        readyMatch: match,
        stop: async (signal = 'SIGTERM', graceMs = 5_000) => {
          if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
          child.kill(signal);
          const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          const code = await exited;
          clearTimeout(killer);
          return code;
        },
      });
    };
    for (const stream of [child.stdout, child.stderr]) {
      let buffer = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        buffer += chunk;
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        lines.forEach(onLine);
      });
    }
    void exited.then((code) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(
        new Error(
          `${command} ${args.join(' ')} exited with ${code} before it was ready\n${output.join('\n')}`,
        ),
      );
    });
  });
}
