import { type ChildExit, ChildProgram, ChildProgramNotReady, describeExit } from '@kassa-relay/testing';

/** How many of a child's last lines the terminal shows when it fails. */
const TAIL_LINES = 25;

/**
 * One child program of the demo. It runs in its own process group, so Ctrl-C in the terminal
 * reaches only the launcher, which then stops the children in order. Its output goes to a log
 * file; the last lines are kept for the terminal in case it dies.
 */
export function startDemoChild(spec: {
  /** How the terminal names it: "cloud", "agent", "iKKM simulator". */
  name: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Everything it prints is appended here. */
  logFile: string;
}): ChildProgram {
  return ChildProgram.start({
    ...spec,
    command: process.execPath,
    tailLines: TAIL_LINES,
    detached: true,
    logMarks: {
      start: `\n=== ${new Date().toISOString()} ${process.execPath} ${spec.args.join(' ')}\n`,
      exit: (exit: ChildExit) => `=== exited: ${describeExit(exit)}\n`,
    },
  });
}

/**
 * The first line of `child` matching `pattern`; a child that exits first or stays silent for
 * `timeoutMs` is a `ChildFailure` (the terminal shows its last lines).
 */
export async function readyLine(
  child: ChildProgram,
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpMatchArray> {
  return child.waitForLine(pattern, timeoutMs).catch((error: unknown) => {
    if (!(error instanceof ChildProgramNotReady)) throw error;
    throw new ChildFailure(
      child,
      'exit' in error.reason
        ? `exited (${describeExit(error.reason.exit)}) before it was ready`
        : `was not ready after ${Math.round(timeoutMs / 1000)} s`,
    );
  });
}

/** A child that failed: the message carries its last output lines. */
export class ChildFailure extends Error {
  override name = 'ChildFailure';
  constructor(
    readonly process: ChildProgram,
    what: string,
  ) {
    const lines = process.tail;
    super(
      `${process.name} ${what}. Its last output (full log: ${process.options.logFile}):\n` +
        (lines.length ? lines.map((l) => `  | ${l}`).join('\n') : '  | (nothing)'),
    );
  }
}
