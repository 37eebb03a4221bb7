/**
 * Injected faults (control API `POST /_sim/faults`). The contract is shared with the cash-core
 * simulator: `delay` answers late, `error` answers a device error code and registers nothing,
 * `commit-then-drop` performs and persists the operation then closes the socket without an
 * answer, `drop` closes the socket without doing anything. Faults live in memory only: they are
 * test scaffolding, not device state.
 */

export const FAULT_KINDS = ['delay', 'error', 'commit-then-drop', 'drop'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  id: number;
  kind: FaultKind;
  /** Matching requests it still affects. */
  count: number;
  /**
   * The paths it affects; null = any path outside /_sim. A path and everything below it, on
   * segment boundaries: `/api` matches `/api` and `/api/…` but not `/apicheck/getInfo` (a heartbeat
   * read must not take a fault meant for a registration). A trailing `*` is a plain prefix:
   * `/api*` matches every path that starts with `/api`.
   */
  match: string | null;
  delayMs: number;
  code: number;
}

export class FaultRegistry {
  private faults: Fault[] = [];
  private lastId = 0;

  /** Validates a control-API body; returns the fault or a message for a 400 answer. */
  add(body: unknown): Fault | string {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body must be a JSON object';
    const spec = body as Record<string, unknown>;
    const kind = spec['kind'];
    if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind))
      return `kind must be one of ${FAULT_KINDS.join(', ')}`;
    const count = spec['count'] ?? 1;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1)
      return 'count must be a positive integer';
    const match = spec['match'] ?? null;
    if (match !== null && (typeof match !== 'string' || !match.startsWith('/')))
      return 'match must be a path prefix starting with /';
    const delayMs = spec['delayMs'] ?? 0;
    if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0)
      return 'delayMs must be a non-negative number';
    const code = spec['code'] ?? -99;
    if (typeof code !== 'number' || !Number.isInteger(code) || code >= 0)
      return 'code must be a negative integer (a device answer code)';
    const fault: Fault = { id: ++this.lastId, kind: kind as FaultKind, count, match, delayMs, code };
    this.faults.push(fault);
    return fault;
  }

  /** The first fault matching this path, with one use consumed (removed when used up). */
  take(path: string): Fault | undefined {
    const index = this.faults.findIndex((fault) => fault.match === null || matches(fault.match, path));
    const fault = this.faults[index];
    if (!fault) return undefined;
    fault.count -= 1;
    if (fault.count <= 0) this.faults.splice(index, 1);
    return { ...fault };
  }

  clear(): number {
    const cleared = this.faults.length;
    this.faults = [];
    return cleared;
  }

  list(): Fault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }
}

function matches(match: string, path: string): boolean {
  if (match.endsWith('*')) return path.startsWith(match.slice(0, -1));
  const base = match.replace(/\/+$/, '');
  return path === base || path.startsWith(`${base}/`) || (base === '' && path.startsWith('/'));
}
