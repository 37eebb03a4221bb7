/**
 * Fault injection for the exactly-once tests: with KASSA_AGENT_CRASH_AT=<point> the process
 * kills itself with SIGKILL the first time it reaches that point — a real crash at an exact
 * journal step, no cleanup, no flush. Never set in production.
 *
 *   received         the command is journaled, before its PUBACK and before any device call
 *   checkpoint       the reconciliation checkpoint is written, the device call not yet sent
 *   device-answered  the device committed and answered, the result is not yet stored
 *   in-doubt         a fiscal call's answer was lost and the command entered doubt, before any reconciliation
 *   done             the result is stored, not yet published
 */
export type CrashPoint = 'received' | 'checkpoint' | 'device-answered' | 'in-doubt' | 'done';

const armed = process.env['KASSA_AGENT_CRASH_AT'] as CrashPoint | undefined;

export function crashPoint(point: CrashPoint): void {
  if (armed === point) process.kill(process.pid, 'SIGKILL');
}
