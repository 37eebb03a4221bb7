import { Inject, Injectable } from '@nestjs/common';
import type { CloudConfig } from '../config/cloud-config';
import { CLOUD_CONFIG } from '../core/tokens';
import { CloudEvents } from '../platform/cloud-events';
import { Database } from '../platform/database';
import { type JwtClaims, JwtSigner } from './secret-box';

/** What a request needs to know about its user, fresh from the database. */
interface SessionUser {
  id: string;
  organisationId: string;
  email: string;
  role: 'admin' | 'viewer';
  tokenVersion: number;
  disabledAt: Date | null;
}

/**
 * Admin API sessions: signed tokens (HS256) that carry the user's token version, checked against
 * the database on every request. Raising the version (log out everywhere, a password change or
 * reset, disabling the user, an admin's revoke) makes every token issued before it invalid; a
 * disabled user's tokens stop working at once; the role and e-mail are the database's, not the
 * token's. Rows are cached for `CACHE_MS` at most, and a change made through this process drops
 * its cache entry immediately (another cloud process sees it within `CACHE_MS`).
 */
@Injectable()
export class AdminSessions {
  static readonly CACHE_MS = 2_000;
  private readonly cache = new Map<string, { at: number; user: SessionUser | null }>();

  constructor(
    private readonly database: Database,
    private readonly jwt: JwtSigner,
    private readonly events: CloudEvents,
    @Inject(CLOUD_CONFIG) private readonly config: CloudConfig,
  ) {}

  /** A token for a user who just proved who they are. */
  issue(user: Omit<SessionUser, 'disabledAt'>): { token: string; expiresInSec: number } {
    const token = this.jwt.sign(
      {
        sub: user.id,
        org: user.organisationId,
        role: user.role,
        email: user.email,
        ver: user.tokenVersion,
      },
      this.config.jwtTtlSec,
    );
    return { token, expiresInSec: this.config.jwtTtlSec };
  }

  /** The claims of a token that is valid now (signature, expiry, user active, version current); else undefined. */
  async authenticate(token: string): Promise<JwtClaims | undefined> {
    const claims = this.jwt.verify(token);
    if (!claims || typeof claims.sub !== 'string') return undefined;
    const user = await this.user(claims.sub);
    if (!user || user.disabledAt || user.organisationId !== claims.org) return undefined;
    // Tokens from before versions existed carry none: version 0, revoked by the first raise.
    if ((claims.ver ?? 0) !== user.tokenVersion) return undefined;
    return { ...claims, role: user.role, email: user.email, org: user.organisationId };
  }

  /**
   * A user's row changed (version, role, disabled): the next request reads it again, and live
   * connections of the user are told (socket.io /admin drops those whose tokens no longer hold).
   */
  changed(userId: string): void {
    this.cache.delete(userId);
    this.events.emit('admin.user.changed', { userId });
  }

  private async user(id: string): Promise<SessionUser | null> {
    const cached = this.cache.get(id);
    const now = Date.now();
    if (cached && now - cached.at < AdminSessions.CACHE_MS) return cached.user;
    const user = await this.database.prisma.adminUser.findUnique({
      where: { id },
      select: {
        id: true,
        organisationId: true,
        email: true,
        role: true,
        tokenVersion: true,
        disabledAt: true,
      },
    });
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(id, { at: now, user });
    return user;
  }
}
