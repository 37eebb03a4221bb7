import mqtt, { type MqttClient } from 'mqtt';
import {
  type CommandEnvelope,
  type CommandInDoubt,
  type CommandOutcome,
  type HeartbeatEnvelope,
  type ResultEnvelope,
  topics,
} from '@kassa-relay/protocol';
import { agentClientId } from '../src/broker/embedded-broker';
import { waitUntil } from './cloud-world';

/**
 * A store agent whose every answer the test writes: it signs in to the cloud's real broker with an
 * enrolled agent's own credentials (the broker's ACL applies), announces itself online, receives
 * the cloud's command envelopes and publishes heartbeats and results as the test says — so a test
 * can put a command in doubt, settle it late, or send a result a real agent never would. Commands
 * the cloud sends by itself (`register.info` on connect, reprints of a repeat) are answered at once
 * unless `autoAnswer` says otherwise.
 */
export class ScriptedAgent {
  readonly commands: CommandEnvelope[] = [];
  private constructor(
    readonly agentId: string,
    private readonly client: MqttClient,
    private readonly autoAnswer: ReadonlySet<string>,
  ) {
    client.on('message', (topic, payload) => {
      if (topic !== topics.commands(agentId)) return;
      const envelope = JSON.parse(payload.toString()) as CommandEnvelope;
      this.commands.push(envelope);
      if (this.autoAnswer.has(envelope.command.type))
        void this.result(envelope, { ok: true, result: { type: envelope.command.type } });
    });
  }

  static async connect(
    mqttUrl: string,
    agent: { agentId: string; password: string },
    autoAnswer: string[] = ['register.info', 'receipt.reprint'],
  ): Promise<ScriptedAgent> {
    const client = await mqtt.connectAsync(mqttUrl, {
      username: agent.agentId,
      password: agent.password,
      clientId: agentClientId(agent.agentId),
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 0,
      will: {
        topic: topics.presence(agent.agentId),
        payload: Buffer.from(ScriptedAgent.presence(agent.agentId, 'offline')),
        qos: 1,
        retain: true,
      },
    });
    const scripted = new ScriptedAgent(agent.agentId, client, new Set(autoAnswer));
    await client.subscribeAsync(topics.commands(agent.agentId), { qos: 1 });
    await client.publishAsync(
      topics.presence(agent.agentId),
      ScriptedAgent.presence(agent.agentId, 'online'),
      { qos: 1, retain: true },
    );
    return scripted;
  }

  private static presence(agentId: string, state: 'online' | 'offline'): string {
    return JSON.stringify({ v: 1, agentId, state, at: new Date().toISOString(), agentVersion: 'scripted' });
  }

  /** The next command of a type the cloud sends after `from` commands were already seen. */
  async nextCommand(type: string, from: number, timeoutMs = 15_000): Promise<CommandEnvelope> {
    let found: CommandEnvelope | undefined;
    await waitUntil(
      () => (found = this.commands.slice(from).find((c) => c.command.type === type)) !== undefined,
      timeoutMs,
      `a ${type} command for ${this.agentId}`,
    );
    return found!;
  }

  /** A heartbeat listing commands in doubt (as a real agent sends at once when one enters doubt). */
  async heartbeat(inDoubt: CommandInDoubt[]): Promise<void> {
    const heartbeat: HeartbeatEnvelope = {
      v: 1,
      agentId: this.agentId,
      sentAt: new Date().toISOString(),
      agentVersion: 'scripted',
      uptimeSec: 1,
      journalDepth: 0,
      registers: [],
      alerts: [],
      inDoubt,
    };
    await this.client.publishAsync(topics.heartbeat(this.agentId), JSON.stringify(heartbeat), { qos: 1 });
  }

  /** A result on this agent's own results topic; `registerId`/`commandId` may be anyone's (a forgery). */
  async result(
    target: { id: string; registerId: string },
    outcome: CommandOutcome,
    extra: Partial<Pick<ResultEnvelope, 'evidence' | 'resolvedBy' | 'status'>> = {},
  ): Promise<void> {
    const now = new Date().toISOString();
    const result: ResultEnvelope = {
      v: 1,
      commandId: target.id,
      agentId: this.agentId,
      registerId: target.registerId,
      status: outcome.ok ? 'done' : 'failed',
      outcome,
      receivedAt: now,
      completedAt: now,
      ...extra,
    };
    await this.client.publishAsync(topics.results(this.agentId), JSON.stringify(result), { qos: 1 });
  }

  async close(): Promise<void> {
    await this.client.publishAsync(
      topics.presence(this.agentId),
      ScriptedAgent.presence(this.agentId, 'offline'),
      { qos: 1, retain: true },
    );
    await this.client.endAsync();
  }
}
