import { mapBounded } from './bounded';
import type { PrintedDocument } from './fake-register';
import {
  DEFAULT_FLEET_AGENT_OPTIONS,
  emptyCounters,
  FleetAgent,
  type FleetAgentCredentials,
  type FleetAgentOptions,
  type FleetCounters,
} from './fleet-agent';

/** The fleet at one moment: its totals and how many agents hold a link now. */
export interface FleetSnapshot extends FleetCounters {
  at: number;
  agents: number;
  connected: number;
}

/** N fleet agents in this process, sharing one set of counters. */
export class Fleet {
  readonly counters = emptyCounters();
  readonly agents: FleetAgent[];
  private readonly byRegister = new Map<string, FleetAgent>();
  readonly options: FleetAgentOptions;

  constructor(credentials: readonly FleetAgentCredentials[], options: Partial<FleetAgentOptions> = {}) {
    this.options = { ...DEFAULT_FLEET_AGENT_OPTIONS, ...options };
    this.agents = credentials.map((agent) => new FleetAgent(agent, this.options, this.counters));
    for (const agent of this.agents)
      for (const register of agent.credentials.registers) this.byRegister.set(register.id, agent);
  }

  start(): void {
    for (const agent of this.agents) agent.start();
  }

  /** Every agent says `offline` and closes its link; a few hundred at a time. */
  async stop(): Promise<void> {
    await mapBounded(this.agents, 500, (agent) => agent.stop());
  }

  get connected(): number {
    return this.agents.reduce((count, agent) => count + (agent.connected ? 1 : 0), 0);
  }

  /** The fleet agent driving a register (as enrolled). */
  agentOf(registerId: string): FleetAgent | undefined {
    return this.byRegister.get(registerId);
  }

  /** Every document every register of the fleet printed. */
  printed(): PrintedDocument[] {
    return this.agents.flatMap((agent) => agent.printed);
  }

  /** Receipts (not copies) printed anywhere in the fleet for one POS document reference: 1 is right. */
  receiptsFor(externalNumber: string): PrintedDocument[] {
    return this.agents.flatMap((agent) => agent.journal.receiptsFor(externalNumber));
  }

  snapshot(): FleetSnapshot {
    return { ...this.counters, at: Date.now(), agents: this.agents.length, connected: this.connected };
  }
}

/** One status line: `connected 980/1000 · 66.5 heartbeats/s · 12 commands answered (+3) · …`. */
export function statusLine(previous: FleetSnapshot, now: FleetSnapshot): string {
  const seconds = Math.max(0.001, (now.at - previous.at) / 1000);
  const rate = (key: keyof FleetCounters) => ((now[key] - previous[key]) / seconds).toFixed(1);
  const parts = [
    `connected ${now.connected}/${now.agents}`,
    `${rate('heartbeats')} heartbeats/s`,
    `${now.commands} commands answered (${rate('commands')}/s)`,
  ];
  if (now.replays > 0) parts.push(`${now.replays} repeats answered from the journal`);
  if (now.refused > 0) parts.push(`${now.refused} refused`);
  if (now.disconnects > 0) parts.push(`${now.disconnects} disconnects, ${now.connects} connects`);
  if (now.linkErrors > 0) parts.push(`${now.linkErrors} link errors`);
  return parts.join(' · ');
}
