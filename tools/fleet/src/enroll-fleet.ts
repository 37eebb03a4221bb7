import type { AdminApi } from '@kassa-relay/testing';
import { mapBounded } from './bounded';
import { type FleetAgentCredentials, registersOf } from './fleet-agent';

export interface EnrollFleetOptions {
  agents: number;
  /** iKKM registers per store (each fleet agent drives its store's). */
  registersPerAgent?: number;
  /** Enrollments in flight at once: each costs the cloud a password hash and a few transactions. */
  concurrency?: number;
  /** Names the stores and agents (`<label> 17`), so runs on one cloud stay apart. */
  label?: string;
  /** After each enrolled agent (a progress line). */
  onEnrolled?: (done: number, total: number) => void;
}

/**
 * Enrolls `agents` fleet agents the way an office and its store PCs do, through the admin API: a
 * store, its registers, a one-time enrollment token, then `POST /api/agents/enroll` with that token
 * (no admin session: the token is the store PC's only credential). The registers point at an address
 * nobody listens on: only the fleet agent ever "talks" to them.
 */
export async function enrollFleet(
  admin: AdminApi,
  options: EnrollFleetOptions,
): Promise<FleetAgentCredentials[]> {
  const { api } = admin;
  const registersPerAgent = options.registersPerAgent ?? 1;
  const label = options.label ?? 'fleet';
  let done = 0;
  const indexes = Array.from({ length: options.agents }, (_, index) => index + 1);
  return mapBounded(indexes, options.concurrency ?? 8, async (index) => {
    const store = await api.stores.create({ name: `${label} store ${index}` });
    for (let r = 1; r <= registersPerAgent; r += 1)
      await api.registers.create({
        storeId: store.id,
        name: `${label} ${index}/${r}`,
        device: { kind: 'ikkm', url: 'http://127.0.0.1:9/fleet', initialKey: '11112222' },
      });
    const { token } = await api.agents.createEnrollmentToken({
      storeId: store.id,
      name: `${label} agent ${index}`,
      ttlHours: 1,
    });
    // The store PC's own request: the token is its credential, no admin session goes with it.
    const answer = await api.enrollment.enroll({ token });
    const registers = registersOf(answer.registers);
    if (!registers) throw new Error(`enrollment of ${answer.agentId} answered an unreadable register list`);
    done += 1;
    options.onEnrolled?.(done, options.agents);
    return {
      agentId: answer.agentId,
      mqtt: answer.mqtt,
      configKey: answer.configKey,
      registers,
    };
  });
}
