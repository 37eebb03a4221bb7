import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { agentTopic, TOPIC_ROOT, TOPIC_VERSION } from '@kassa-relay/protocol';
import type { Logger } from 'pino';
import { agentClientId } from './embedded-broker';
import { subscribeRetrying } from './subscribe';

/**
 * An agent's account on the broker. Enrollment creates it (the broker then lets exactly this agent
 * in, with its own client id, onto its own topics); disabling the agent removes it and closes its
 * connection at once.
 */
export interface BrokerAccounts {
  /** Called before the agent's record is committed: a failure stops the enrollment. */
  create(agentId: string, password: string): Promise<void>;
  /** The account goes and the agent's connection is closed. */
  remove(agentId: string): Promise<void>;
  /** At start: agents disabled in the database must not keep an account on the broker. */
  removeAll?(agentIds: string[]): Promise<void>;
  close(): Promise<void>;
}

/** The embedded broker reads accounts from the database itself: only the connection is closed here. */
export class EmbeddedBrokerAccounts implements BrokerAccounts {
  constructor(private readonly disconnect: (agentId: string) => void) {}

  async create(): Promise<void> {}

  async remove(agentId: string): Promise<void> {
    this.disconnect(agentId);
  }

  async close(): Promise<void> {}
}

/**
 * An external broker that keeps its own accounts (Mosquitto's password file, EMQX reading the
 * database): nothing to create here; a disabled agent must also be removed there by hand, which
 * the log says each time.
 */
export class ExternalBrokerAccounts implements BrokerAccounts {
  constructor(private readonly log: Logger) {}

  async create(): Promise<void> {}

  async remove(agentId: string): Promise<void> {
    this.log.warn(
      { agentId },
      'agent disabled: the cloud no longer routes anything to it or accepts anything from it; remove its account from the external broker too (or use KASSA_MQTT_PROVISIONING=dynsec)',
    );
  }

  async close(): Promise<void> {}
}

const CONTROL_TOPIC = '$CONTROL/dynamic-security/v1';
const RESPONSE_TOPIC = `${CONTROL_TOPIC}/response`;
/** The cloud's own role: every agent's topics, both ways. */
const CLOUD_ROLE = 'kassa-cloud';
const agentRole = (agentId: string) => `kassa-agent-${agentId}`;

interface DynsecResponse {
  command: string;
  error?: string;
  correlationData?: string;
  data?: unknown;
}

/**
 * Mosquitto's dynamic-security plugin, driven over its own topic (`$CONTROL/dynamic-security/v1`)
 * with the plugin's admin account: each agent gets a client bound to its client id
 * (`kassa-agent-<id>`, so no one can take another's session — or the cloud's) and a role of its
 * own allowing exactly its topics (libs/protocol/src/mqtt/topics.ts). No password file, no reload.
 */
export class DynsecBrokerAccounts implements BrokerAccounts {
  private readonly pending = new Map<string, (response: DynsecResponse) => void>();

  private constructor(
    private readonly client: MqttClient,
    private readonly log: Logger,
  ) {
    client.on('message', (topic, payload) => {
      if (topic !== RESPONSE_TOPIC) return;
      let body: { responses?: DynsecResponse[] };
      try {
        body = JSON.parse(payload.toString('utf8')) as { responses?: DynsecResponse[] };
      } catch {
        return;
      }
      for (const response of body.responses ?? []) {
        const waiter = response.correlationData ? this.pending.get(response.correlationData) : undefined;
        waiter?.(response);
      }
    });
  }

  static async connect(
    options: { url: string; username: string; password?: string; ca?: Buffer },
    cloudUsername: string,
    log: Logger,
  ): Promise<DynsecBrokerAccounts> {
    const client = await mqtt.connectAsync(options.url, {
      clientId: `kassa-cloud-dynsec-${randomUUID()}`,
      clean: true,
      reconnectPeriod: 1000,
      username: options.username,
      ...(options.password ? { password: options.password } : {}),
      ...(options.ca ? { ca: options.ca } : {}),
    });
    await subscribeRetrying(client, RESPONSE_TOPIC, { qos: 1 });
    const accounts = new DynsecBrokerAccounts(client, log);
    await accounts.ensureCloudRole(cloudUsername);
    return accounts;
  }

  /**
   * The cloud's account may read and write every agent's topics (the plugin's admin role from
   * `mosquitto_ctrl dynsec init` may only read them). Set up once, on the first start. Instances
   * starting together all try: the first to give the role makes the broker drop every connection of
   * the account — the others' too, losing the answers they waited for — so a lost answer is tried
   * again (each step is idempotent) until the role is there.
   */
  private async ensureCloudRole(cloudUsername: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        return await this.setUpCloudRole(cloudUsername);
      } catch (error) {
        if (Date.now() > deadline) throw error;
        this.log.warn({ err: error }, 'setting up the cloud role on the broker: trying again');
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  private async setUpCloudRole(cloudUsername: string): Promise<void> {
    if ((await this.clientRoles(cloudUsername)).includes(CLOUD_ROLE)) return;
    const root = `${TOPIC_ROOT}/${TOPIC_VERSION}/#`;
    await this.run(
      {
        command: 'createRole',
        rolename: CLOUD_ROLE,
        acls: [
          { acltype: 'publishClientSend', topic: root, allow: true },
          { acltype: 'publishClientReceive', topic: root, allow: true },
          { acltype: 'subscribePattern', topic: root, allow: true },
          { acltype: 'subscribePattern', topic: `$share/+/${root}`, allow: true },
          { acltype: 'unsubscribePattern', topic: '#', allow: true },
        ],
      },
      ['already exists'],
    );
    // Giving a connected client a role makes the broker disconnect it, to apply the new rights:
    // this connection comes back by itself, but the answer is lost with it — so look instead.
    await this.run(
      { command: 'addClientRole', username: cloudUsername, rolename: CLOUD_ROLE, priority: 10 },
      ['already'],
      3_000,
    ).catch(() => undefined);
    const deadline = Date.now() + 20_000;
    while (!(await this.clientRoles(cloudUsername).catch(() => [] as string[])).includes(CLOUD_ROLE)) {
      if (Date.now() > deadline)
        throw new Error(`could not give the broker account ${cloudUsername} its role`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    this.log.info(
      { username: cloudUsername, role: CLOUD_ROLE },
      'cloud account given its role on the broker',
    );
  }

  private async clientRoles(username: string): Promise<string[]> {
    const response = await this.run({ command: 'getClient', username }, [], 5_000);
    const client = (response.data as { client?: { roles?: { rolename: string }[] } } | undefined)?.client;
    return (client?.roles ?? []).map((role) => role.rolename);
  }

  async create(agentId: string, password: string): Promise<void> {
    const send = (channel: 'results' | 'presence' | 'heartbeat' | 'events') => ({
      acltype: 'publishClientSend',
      topic: agentTopic(agentId, channel),
      allow: true,
    });
    const read = (channel: 'commands' | 'config') => [
      { acltype: 'subscribeLiteral', topic: agentTopic(agentId, channel), allow: true },
      { acltype: 'publishClientReceive', topic: agentTopic(agentId, channel), allow: true },
    ];
    await this.run({
      command: 'createRole',
      rolename: agentRole(agentId),
      acls: [
        send('results'),
        send('presence'),
        send('heartbeat'),
        send('events'),
        ...read('commands'),
        ...read('config'),
      ],
    });
    await this.run({
      command: 'createClient',
      username: agentId,
      password,
      clientid: agentClientId(agentId),
      roles: [{ rolename: agentRole(agentId), priority: 1 }],
    });
    this.log.info({ agentId }, 'agent account created on the broker (dynamic security)');
  }

  async remove(agentId: string): Promise<void> {
    // Disabling kicks a connected client at once; deleting then forgets it and its role.
    await this.run({ command: 'disableClient', username: agentId }, ['not found']);
    await this.run({ command: 'deleteClient', username: agentId }, ['not found']);
    await this.run({ command: 'deleteRole', rolename: agentRole(agentId) }, ['not found']);
    this.log.info({ agentId }, 'agent account removed from the broker (dynamic security)');
  }

  async removeAll(agentIds: string[]): Promise<void> {
    for (const agentId of agentIds) await this.remove(agentId);
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }

  /** One command; an error the caller expects (e.g. "already exists") counts as done. */
  private run(
    command: Record<string, unknown>,
    tolerated: string[] = [],
    timeoutMs = 10_000,
  ): Promise<DynsecResponse> {
    const correlationData = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationData);
        reject(new Error(`the broker did not answer ${String(command['command'])} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(correlationData, (response) => {
        clearTimeout(timer);
        this.pending.delete(correlationData);
        const error = response.error;
        if (!error || tolerated.some((text) => error.toLowerCase().includes(text))) resolve(response);
        else reject(new Error(`broker ${String(command['command'])}: ${error}`));
      });
      this.client
        .publishAsync(CONTROL_TOPIC, JSON.stringify({ commands: [{ ...command, correlationData }] }), {
          qos: 1,
        })
        .catch((error: Error) => {
          clearTimeout(timer);
          this.pending.delete(correlationData);
          reject(error);
        });
    });
  }
}
