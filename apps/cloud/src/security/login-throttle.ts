/**
 * Sign-in throttling, per account and per client address. Each key counts failed sign-ins; from
 * the `max`-th failure on it is locked for `lockoutMs`, doubled with every further failure, up to
 * `maxLockoutMs`. While locked, no password is even checked: the answer is 429 with Retry-After,
 * the same whether the account exists or not. A success clears the account's count (not the
 * address's: a valid account of one's own must not buy more guesses at others'); counts are
 * forgotten after a quiet period. In memory, bounded: a restart forgets the counts, and the oldest
 * entries go first when it is full. Several cloud instances keep the same counts: each tells the
 * others of every failure and success (`onChange`, `apply`; realtime/cluster-sync.ts), so a guesser
 * spreading attempts over instances meets one limit, not one per instance.
 */
export interface LoginThrottleOptions {
  maxFailures: number;
  maxFailuresPerAddress: number;
  lockoutMs: number;
  maxLockoutMs: number;
  /** Entries kept at most (each ~100 bytes). */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  failures: number;
  lockedUntil: number;
  lastFailureAt: number;
}

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterSec: number };

/** A change another instance must apply too. */
export type ThrottleChange =
  { kind: 'failure'; account: string; address: string } | { kind: 'success'; account: string };

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners: ((change: ThrottleChange) => void)[] = [];
  private readonly maxEntries: number;
  private readonly now: () => number;
  /** A count with no failure for this long (and no lock) starts again from zero. */
  private readonly forgetAfterMs: number;

  constructor(private readonly options: LoginThrottleOptions) {
    this.maxEntries = options.maxEntries ?? 100_000;
    this.now = options.now ?? Date.now;
    this.forgetAfterMs = Math.max(options.maxLockoutMs, 15 * 60_000);
  }

  /** Whether a sign-in for this account from this address may be checked now. */
  check(account: string, address: string): ThrottleVerdict {
    const now = this.now();
    const until = Math.max(this.lockedUntil(`a:${account}`, now), this.lockedUntil(`ip:${address}`, now));
    return until > now
      ? { allowed: false, retryAfterSec: Math.max(1, Math.ceil((until - now) / 1000)) }
      : { allowed: true };
  }

  /** A wrong password (or unknown account): counts for both; true when the account is locked now. */
  failure(account: string, address: string): { accountLocked: boolean } {
    const now = this.now();
    const accountLocked = this.count(`a:${account}`, this.options.maxFailures, now);
    this.count(`ip:${address}`, this.options.maxFailuresPerAddress, now);
    for (const listener of this.listeners) listener({ kind: 'failure', account, address });
    return { accountLocked };
  }

  /** A successful sign-in (or password check) clears the account's count. */
  success(account: string): void {
    this.entries.delete(`a:${account}`);
    for (const listener of this.listeners) listener({ kind: 'success', account });
  }

  /** Every failure and success counted here, for the other instances. */
  onChange(listener: (change: ThrottleChange) => void): void {
    this.listeners.push(listener);
  }

  /** A failure or success another instance counted: counted here too, and not told again. */
  apply(change: ThrottleChange): void {
    if (change.kind === 'success') {
      this.entries.delete(`a:${change.account}`);
      return;
    }
    const now = this.now();
    this.count(`a:${change.account}`, this.options.maxFailures, now);
    this.count(`ip:${change.address}`, this.options.maxFailuresPerAddress, now);
  }

  get size(): number {
    return this.entries.size;
  }

  private lockedUntil(key: string, now: number): number {
    const entry = this.entries.get(key);
    if (!entry) return 0;
    if (entry.lockedUntil <= now && now - entry.lastFailureAt > this.forgetAfterMs) {
      this.entries.delete(key);
      return 0;
    }
    return entry.lockedUntil;
  }

  private count(key: string, max: number, now: number): boolean {
    const previous = this.entries.get(key);
    const stale =
      previous && previous.lockedUntil <= now && now - previous.lastFailureAt > this.forgetAfterMs;
    const entry: Entry = stale || !previous ? { failures: 0, lockedUntil: 0, lastFailureAt: now } : previous;
    entry.failures += 1;
    entry.lastFailureAt = now;
    let locked = false;
    if (entry.failures >= max) {
      const exponent = Math.min(entry.failures - max, 30);
      entry.lockedUntil = now + Math.min(this.options.maxLockoutMs, this.options.lockoutMs * 2 ** exponent);
      locked = true;
    }
    // Most recent last: the oldest entry is the first to go when the map is full.
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return locked;
  }
}

/**
 * The client address the throttle counts: the TCP peer, or — behind `hops` reverse proxies that
 * each append to X-Forwarded-For — the entry that many places from the right (what the nearest
 * trusted proxy saw). Never the left-most entry, which the client writes itself.
 */
export function clientAddress(
  request: {
    socket: { remoteAddress?: string | undefined };
    headers: Record<string, string | string[] | undefined>;
  },
  hops: number,
): string {
  const peer = request.socket.remoteAddress ?? 'unknown';
  if (hops <= 0) return peer;
  const header = request.headers['x-forwarded-for'];
  const list = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  return list[list.length - hops] ?? list[0] ?? peer;
}
