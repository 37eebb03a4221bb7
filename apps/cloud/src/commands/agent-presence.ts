import type { PrismaClient } from '../generated/prisma/client';

/** Whether an agent is online, as every cloud instance sees it. */
export interface AgentPresence {
  isOnline(agentId: string): Promise<boolean>;
}

/**
 * Presence from the database (`Agent.online`, written by `LiveState` on whichever instance took the
 * agent's presence or heartbeat from the broker). Read per request, remembered for a moment: a POS
 * burst through one agent costs one query a second, not one per sale.
 */
export class DatabasePresence implements AgentPresence {
  private readonly seen = new Map<string, { online: boolean; at: number }>();
  private static readonly FRESH_MS = 1_000;

  constructor(private readonly prisma: PrismaClient) {}

  async isOnline(agentId: string): Promise<boolean> {
    const known = this.seen.get(agentId);
    if (known && Date.now() - known.at < DatabasePresence.FRESH_MS) return known.online;
    const agent = await this.prisma.agent.findUnique({ where: { id: agentId }, select: { online: true } });
    const online = agent?.online ?? false;
    if (this.seen.size > 50_000) this.seen.clear();
    this.seen.set(agentId, { online, at: Date.now() });
    return online;
  }

  /** A change this instance wrote: seen at once here (other instances within a second). */
  changed(agentId: string, online: boolean): void {
    this.seen.set(agentId, { online, at: Date.now() });
  }
}
