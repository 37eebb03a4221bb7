import { EventEmitter } from 'node:events';
import type { PrismaClient } from '../generated/prisma/client';
import { tokenHash } from '../security/secret-box';

export interface PosPrincipal {
  keyId: string;
  registerId: string;
  name: string;
}

/** `Authorization: Bearer <key>`, a bare `Authorization: <key>`, or `?token=` (WebSocket clients that cannot set headers). */
export function presentedPosKey(
  authorization: string | undefined,
  token: string | null | undefined,
): string | undefined {
  const header = authorization?.trim();
  if (header) return header.replace(/^Bearer\s+/i, '').trim() || undefined;
  return token?.trim() || undefined;
}

interface CachedKey {
  principal: PosPrincipal | null;
  at: number;
}

/**
 * A map that keeps at most `max` entries, dropping the least recently used (a Map iterates in
 * insertion order; a hit is re-inserted at the end).
 */
class LruCache<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  *[Symbol.iterator](): IterableIterator<[string, V]> {
    yield* this.entries;
  }
}

/**
 * POS key → the one register it may drive. Lookups are cached briefly (every request needs one);
 * a revocation through this service takes effect at once and closes the key's open connections.
 *
 * Both caches are bounded LRUs, kept apart: keys that exist (at most MAX_KNOWN_KEYS — POS
 * clients in use) and keys that do not (MAX_UNKNOWN_KEYS — a misconfigured client repeating the
 * same wrong key costs no query), so a flood of random keys neither grows memory nor evicts the
 * real keys. Keys longer than 200 characters are never looked up.
 */
export class PosKeys extends EventEmitter<{ revoked: [keyId: string] }> {
  static readonly TTL_MS = 10_000;
  static readonly MAX_KNOWN_KEYS = 1_024;
  static readonly MAX_UNKNOWN_KEYS = 256;
  static readonly MAX_CACHED_KEYS = PosKeys.MAX_KNOWN_KEYS + PosKeys.MAX_UNKNOWN_KEYS;
  private readonly known = new LruCache<CachedKey>(PosKeys.MAX_KNOWN_KEYS);
  private readonly unknown = new LruCache<CachedKey>(PosKeys.MAX_UNKNOWN_KEYS);

  constructor(private readonly prisma: PrismaClient) {
    super();
  }

  /** Entries held by both caches (for tests and metrics). */
  get cacheSize(): number {
    return this.known.size + this.unknown.size;
  }

  async authenticate(key: string | undefined): Promise<PosPrincipal | null> {
    if (!key || key.length > 200) return null;
    const hash = tokenHash(key);
    const cached = this.known.get(hash) ?? this.unknown.get(hash);
    if (cached && Date.now() - cached.at < PosKeys.TTL_MS) return cached.principal;
    const row = await this.prisma.posKey.findUnique({ where: { keyHash: hash } });
    const principal =
      row && !row.revokedAt ? { keyId: row.id, registerId: row.registerId, name: row.name } : null;
    if (principal) {
      this.unknown.delete(hash);
      this.known.set(hash, { principal, at: Date.now() });
      void this.prisma.posKey
        .update({ where: { id: row!.id }, data: { lastUsedAt: new Date() } })
        .catch(() => undefined);
    } else {
      this.known.delete(hash);
      this.unknown.set(hash, { principal, at: Date.now() });
    }
    return principal;
  }

  /** Called by the admin API after it revoked a key in the database. */
  revoked(keyId: string): void {
    for (const [hash, entry] of [...this.known])
      if (entry.principal?.keyId === keyId) this.known.delete(hash);
    this.emit('revoked', keyId);
  }
}
