import type { ResponseCode } from './response-codes';

/**
 * Injected faults (`POST /_sim/faults`), shared contract with the iKKM simulator:
 * - `delay`: wait `delayMs`, then handle and answer normally — even if the client gave up meanwhile.
 *   Meanwhile the call holds the core (every other call is answered 66/69), unless `holdsCore` is
 *   false: then it is still "in transit" (the core does not know it yet and answers others normally);
 * - `error`: answer `response_code` = `code` (default 1) and change nothing;
 * - `commit-then-drop`: handle and persist, then destroy the socket without an answer;
 * - `drop`: destroy the socket without handling anything;
 * - `garble`: handle and persist, then answer HTTP 200 with a body that is not the JSON envelope
 *   (cut off mid-way), as a proxy or a crashing core might.
 * Each fault fires `count` times (default 1) on requests it matches, oldest fault first.
 */
export const FAULT_KINDS = ['delay', 'error', 'commit-then-drop', 'drop', 'garble'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  id: number;
  kind: FaultKind;
  remaining: number;
  /** A method name (`TradeOperation`) or, starting with `/`, a path prefix; absent: any API request. */
  match: string | null;
  delayMs: number;
  code: ResponseCode | number;
  /** `delay` only: whether the delayed call holds the core meanwhile (default true). */
  holdsCore: boolean;
}

export class FaultList {
  private faults: Fault[] = [];
  private nextId = 1;

  add(spec: Omit<Fault, 'id'>): Fault {
    const fault = { id: this.nextId++, ...spec };
    this.faults.push(fault);
    return fault;
  }

  /** The first fault matching a request path; consumes one of its firings. */
  take(pathname: string): Fault | undefined {
    const method = pathname.replace(/^\/+/, '');
    const fault = this.faults.find(
      (f) =>
        f.match === null || (f.match.startsWith('/') ? pathname.startsWith(f.match) : f.match === method),
    );
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
    return { ...fault };
  }

  remove(id: number): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length < before;
  }

  clear(): number {
    const count = this.faults.length;
    this.faults = [];
    return count;
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }
}
