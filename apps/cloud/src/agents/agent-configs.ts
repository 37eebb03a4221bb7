import { type AgentConfigEnvelope, deriveAgentConfigKey, sealConfig } from '@kassa-relay/protocol';
import type { Logger } from 'pino';
import type { PrismaClient } from '../generated/prisma/client';
import { agentRegisterConfig } from '../registers/register-config';
import type { CommandRelay } from '../relay/command-relay';
import type { SecretBox } from '../security/secret-box';
import { concurrencyLimit } from '../platform/work-queues';

/**
 * Register lists built and sent at once for agents coming online: a broker restart brings
 * thousands back within seconds, and their connections (credential lookups, presence) must not
 * queue for database connections behind thousands of lists.
 */
const REGISTER_LISTS_AT_ONCE = 16;

/** The key an agent's register list is sealed with: derived, never stored (the agent gets it at enrollment). */
export const agentConfigKey = (cloudSecret: Buffer, agentId: string): Promise<Uint8Array> =>
  deriveAgentConfigKey(new Uint8Array(cloudSecret), agentId);

/**
 * Keeps each running agent's register list in step with the database: after an admin adds,
 * changes, rebinds or removes a register, and whenever an agent comes online (the embedded
 * broker forgets retained messages when the cloud restarts, and an agent may have been offline
 * through the change). The whole list goes every time; the agent applies only what differs.
 */
export class AgentConfigs {
  private readonly comingOnlineWork = concurrencyLimit(REGISTER_LISTS_AT_ONCE);
  /** Agents whose list waits its turn: one list each however often they come online meanwhile. */
  private readonly listsWaiting = new Set<string>();
  /** Derived keys by agent id (deriving one per list was 5 % of the cloud’s CPU in a reconnect storm). */
  private readonly keys = new Map<string, Promise<Uint8Array>>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly relay: CommandRelay,
    private readonly box: SecretBox,
    private readonly log: Logger,
    private readonly cloudSecret: Buffer,
  ) {
    relay.on('presence', (presence) => {
      if (presence.state !== 'online' || this.listsWaiting.has(presence.agentId)) return;
      this.listsWaiting.add(presence.agentId);
      void this.comingOnlineWork(() => {
        // Read when its turn comes: the list sent is the one in the database then.
        this.listsWaiting.delete(presence.agentId);
        return this.publish(presence.agentId);
      });
    });
  }

  /** The agent's registers as it will run them, sealed with the agent's config key (config-seal.ts). */
  async envelope(agentId: string): Promise<AgentConfigEnvelope> {
    const registers = await this.prisma.register.findMany({
      where: { agentId },
      select: { id: true, kind: true, config: true },
      orderBy: { createdAt: 'asc' },
    });
    const list = registers.map((register) => agentRegisterConfig(register, this.box));
    return {
      v: 1,
      agentId,
      issuedAt: new Date().toISOString(),
      sealed: await sealConfig(list, await this.keyOf(agentId), agentId),
    };
  }

  private keyOf(agentId: string): Promise<Uint8Array> {
    let key = this.keys.get(agentId);
    if (!key) {
      if (this.keys.size >= 100_000) this.keys.clear();
      key = agentConfigKey(this.cloudSecret, agentId);
      this.keys.set(agentId, key);
      // A failed derivation is not remembered.
      key.catch(() => this.keys.delete(agentId));
    }
    return key;
  }

  /**
   * Sends the agents their current lists. Never throws: a list that cannot go now goes when the
   * agent next comes online.
   */
  async publish(...agentIds: (string | null | undefined)[]): Promise<void> {
    for (const agentId of new Set(agentIds)) {
      if (!agentId) continue;
      try {
        const agent = await this.prisma.agent.findUnique({
          where: { id: agentId },
          select: { disabledAt: true },
        });
        if (!agent || agent.disabledAt) continue;
        await this.relay.publishConfig(await this.envelope(agentId));
      } catch (error) {
        // A cloud stopping drops what it was sending (each agent gets its list at its next online):
        // not a warning per agent.
        if (this.relay.isStopping) return;
        this.log.warn(
          { err: error, agentId },
          'could not send the agent its registers; it gets them when it next comes online',
        );
      }
    }
  }
}
