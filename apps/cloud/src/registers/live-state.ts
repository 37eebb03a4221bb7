import type {
  HeartbeatEnvelope,
  PresenceEnvelope,
  RegisterHealth,
  RegisterIdentity,
} from '@kassa-relay/protocol';
import type { Prisma, PrismaClient } from '../generated/prisma/client';
import { stateOf } from '../admin/registers/register-views';
import type { DocumentLedger } from '../documents/document-ledger';
import type { CloudEvents } from '../platform/cloud-events';
import type { DatabasePresence } from '../commands/agent-presence';
import type { CommandDispatcher } from '../commands/command-dispatcher';
import type { CommandRelay } from '../relay/command-relay';
import type { RegisterDirectory } from './register-directory';

const json = (value: unknown): Prisma.InputJsonValue =>
  JSON.parse(JSON.stringify(value ?? null)) as Prisma.InputJsonValue;

/**
 * Agents' presence and heartbeats → the live state of agents and registers in the database, and
 * change events for the dashboard. When an agent comes online the cloud asks each of its registers
 * for its info (serial, INN, shift, counters) so the office sees fresh data.
 */
export class LiveState {
  constructor(
    private readonly prisma: PrismaClient,
    relay: CommandRelay,
    private readonly commands: CommandDispatcher,
    private readonly presence: DatabasePresence,
    private readonly events: CloudEvents,
    private readonly directory: RegisterDirectory,
    private readonly ledger: DocumentLedger,
    private readonly deadlineMs: number,
  ) {
    relay.on('presence', (presence) => void this.onPresence(presence).catch(() => undefined));
    relay.on('heartbeat', (heartbeat) => void this.onHeartbeat(heartbeat).catch(() => undefined));
  }

  /** A disabled agent's presence and heartbeats are not news: whatever it says is ignored. */
  private async organisationOf(agentId: string): Promise<string | undefined> {
    const agent = await this.prisma.agent.findUnique({
      where: { id: agentId },
      select: { disabledAt: true, store: { select: { organisationId: true } } },
    });
    return agent && !agent.disabledAt ? agent.store.organisationId : undefined;
  }

  async onPresence(presence: PresenceEnvelope): Promise<void> {
    const organisationId = await this.organisationOf(presence.agentId);
    if (!organisationId) return;
    const online = presence.state === 'online';
    // The write itself re-checks `disabledAt`: a disable that commits meanwhile wins.
    const written = await this.prisma.agent.updateMany({
      where: { id: presence.agentId, disabledAt: null },
      data: { online, ...(presence.agentVersion ? { version: presence.agentVersion } : {}) },
    });
    if (written.count === 0) return;
    // A retained presence is the agent's latest state but may be older than its last heartbeat (the
    // broker hands it again to a cloud that subscribes again): "last seen" never goes back.
    const at = new Date(presence.at);
    await this.prisma.agent.updateMany({
      where: { id: presence.agentId, OR: [{ lastSeenAt: null }, { lastSeenAt: { lt: at } }] },
      data: { lastSeenAt: at },
    });
    this.presence.changed(presence.agentId, online);
    this.events.emit('agent.state', { organisationId, agentId: presence.agentId, online, at: presence.at });
    if (online) {
      void this.redeliverPending(presence.agentId).catch(() => undefined);
      void this.refreshRegisterInfo(presence.agentId).catch(() => undefined);
    }
  }

  /** Pending commands of a returning agent go out again (same ids: never executed twice). */
  async redeliverPending(agentId: string): Promise<void> {
    for (const envelope of await this.ledger.pendingFor(agentId))
      await this.commands.republish(agentId, envelope);
  }

  /** Asks every register of the agent for its identity and state (register.info). */
  async refreshRegisterInfo(agentId: string): Promise<void> {
    const registers = await this.prisma.register.findMany({ where: { agentId }, select: { id: true } });
    for (const register of registers) {
      const outcome = await this.commands.issue(
        agentId,
        register.id,
        { type: 'register.info' },
        { deadlineMs: this.deadlineMs, origin: { channel: 'system', actor: 'cloud:register-info' } },
        30_000,
      );
      if (outcome.state !== 'completed' || !outcome.result.outcome.ok) continue;
      const result = outcome.result.outcome.result;
      await this.applyIdentity(register.id, result.identity, result.health);
    }
  }

  private async applyIdentity(
    registerId: string,
    identity: RegisterIdentity | undefined,
    health: RegisterHealth | undefined,
  ): Promise<void> {
    if (identity) {
      await this.prisma.register.update({
        where: { id: registerId },
        data: {
          serialNumber: identity.serialNumber,
          registrationNumber: identity.registrationNumber ?? null,
          inn: identity.inn ?? null,
          currency: identity.currency,
        },
      });
      this.directory.forget(registerId);
    }
    if (health) await this.applyHealth(registerId, health);
  }

  async onHeartbeat(heartbeat: HeartbeatEnvelope): Promise<void> {
    const organisationId = await this.organisationOf(heartbeat.agentId);
    if (!organisationId) return;
    // A heartbeat read just before a disable must not mark the disabled agent online again: the
    // write re-checks `disabledAt`, and a disable that commits first wins.
    const written = await this.prisma.agent.updateMany({
      where: { id: heartbeat.agentId, disabledAt: null },
      data: {
        online: true,
        lastSeenAt: new Date(heartbeat.sentAt),
        version: heartbeat.agentVersion,
        lastHeartbeat: json({
          sentAt: heartbeat.sentAt,
          uptimeSec: heartbeat.uptimeSec,
          journalDepth: heartbeat.journalDepth,
          alerts: heartbeat.alerts,
          inDoubt: heartbeat.inDoubt.length,
        }),
      },
    });
    if (written.count === 0) return;
    this.presence.changed(heartbeat.agentId, true);
    // Commands the agent cannot prove either way: their documents show as in doubt, with evidence.
    await this.ledger.recordDoubts(heartbeat.agentId, heartbeat.inDoubt);
    for (const entry of heartbeat.registers) {
      // Only registers this agent serves: a heartbeat cannot write another agent's register.
      const owned = await this.prisma.register.count({
        where: { id: entry.registerId, agentId: heartbeat.agentId },
      });
      if (owned) await this.applyHealth(entry.registerId, entry.health, organisationId);
    }
  }

  private async applyHealth(
    registerId: string,
    health: RegisterHealth,
    organisationId?: string,
  ): Promise<void> {
    const shiftOpen = health.shift?.open;
    const data: Prisma.RegisterUpdateInput = {
      reachable: health.reachable,
      ...(shiftOpen !== undefined ? { shiftOpen } : {}),
      ...(health.shift?.number !== undefined ? { shiftNumber: health.shift.number } : {}),
      shiftOpenedAt: shiftOpen && health.shift?.openedAt ? new Date(health.shift.openedAt) : null,
      ...(health.cashBalance !== undefined ? { cashBalance: health.cashBalance } : {}),
      offlineQueue: health.offlineQueue,
      warnings: json({
        list: health.warnings,
        offlineSince: health.offlineSince ?? null,
        shiftHoursLeft: health.shiftHoursLeft ?? null,
      }),
      lastError: health.lastError ? json(health.lastError) : json(null),
      stateUpdatedAt: new Date(),
    };
    if (shiftOpen === undefined) delete data.shiftOpenedAt;
    const register = await this.prisma.register.update({
      where: { id: registerId },
      data,
      include: { store: { select: { organisationId: true } } },
    });
    this.events.emit('register.state', {
      organisationId: organisationId ?? register.store.organisationId,
      registerId,
      // The same shape as RegisterView.state in the admin API.
      state: { ...stateOf(register) },
    });
  }
}
