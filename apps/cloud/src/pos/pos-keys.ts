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

/**
 * POS key → the one register it may drive. Lookups are cached briefly (every request needs one);
 * a revocation through this service takes effect at once and closes the key's open connections.
 */
export class PosKeys extends EventEmitter<{ revoked: [keyId: string] }> {
  private readonly cache = new Map<string, { principal: PosPrincipal | null; at: number }>();
  private static readonly TTL_MS = 10_000;

  constructor(private readonly prisma: PrismaClient) {
    super();
  }

  async authenticate(key: string | undefined): Promise<PosPrincipal | null> {
    if (!key || key.length > 200) return null;
    const hash = tokenHash(key);
    const cached = this.cache.get(hash);
    if (cached && Date.now() - cached.at < PosKeys.TTL_MS) return cached.principal;
    const row = await this.prisma.posKey.findUnique({ where: { keyHash: hash } });
    const principal =
      row && !row.revokedAt ? { keyId: row.id, registerId: row.registerId, name: row.name } : null;
    this.cache.set(hash, { principal, at: Date.now() });
    if (principal)
      void this.prisma.posKey
        .update({ where: { id: row!.id }, data: { lastUsedAt: new Date() } })
        .catch(() => undefined);
    return principal;
  }

  /** Called by the admin API after it revoked a key in the database. */
  revoked(keyId: string): void {
    for (const [hash, entry] of this.cache) if (entry.principal?.keyId === keyId) this.cache.delete(hash);
    this.emit('revoked', keyId);
  }
}
