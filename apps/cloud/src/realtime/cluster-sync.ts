import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { CLUSTER_BUS } from '../core/tokens';
import type { ClusterBus } from '../platform/cluster-bus';
import { CloudEvents } from '../platform/cloud-events';
import { PosKeys } from '../pos/pos-keys';
import { AdminSessions } from '../security/admin-sessions';
import { LoginThrottle, type ThrottleChange } from '../security/login-throttle';

/** A throttle change as another instance published it; anything else is dropped. */
function parseThrottleChange(payload: string): ThrottleChange | undefined {
  try {
    const value = JSON.parse(payload) as Partial<ThrottleChange> & Record<string, unknown>;
    if (value.kind === 'success' && typeof value.account === 'string')
      return { kind: 'success', account: value.account };
    if (value.kind === 'failure' && typeof value.account === 'string' && typeof value.address === 'string')
      return { kind: 'failure', account: value.account, address: value.address };
  } catch {
    // not JSON
  }
  return undefined;
}

/**
 * What one cloud instance learns that every other must act on at once, over the cluster bus: a
 * revoked POS key (its cached lookups go, its /ws and socket.io connections close everywhere) and
 * an admin user whose sessions changed (cached row dropped, live /admin connections re-checked),
 * and every failed or successful sign-in (one throttle for all instances).
 * With one instance the bus is local and this does nothing.
 */
@Injectable()
export class ClusterSync implements OnApplicationBootstrap {
  constructor(
    @Inject(CLUSTER_BUS) private readonly bus: ClusterBus,
    private readonly keys: PosKeys,
    private readonly sessions: AdminSessions,
    private readonly events: CloudEvents,
    private readonly throttle: LoginThrottle,
  ) {}

  onApplicationBootstrap(): void {
    // A change heard from the bus is applied here without going back out (emits are synchronous).
    let applying = false;
    const apply = (change: () => void) => {
      applying = true;
      try {
        change();
      } finally {
        applying = false;
      }
    };
    this.keys.on('revoked', (keyId) => {
      if (!applying) void this.bus.publish('posKey.revoked', keyId).catch(() => undefined);
    });
    this.bus.on('posKey.revoked', (keyId) => apply(() => this.keys.revoked(keyId)));
    this.events.on('admin.user.changed', ({ userId }) => {
      if (!applying) void this.bus.publish('adminUser.changed', userId).catch(() => undefined);
    });
    this.bus.on('adminUser.changed', (userId) => apply(() => this.sessions.changed(userId)));
    this.throttle.onChange(
      (change) => void this.bus.publish('login', JSON.stringify(change)).catch(() => undefined),
    );
    this.bus.on('login', (payload) => {
      const change = parseThrottleChange(payload);
      if (change) this.throttle.apply(change);
    });
  }
}
