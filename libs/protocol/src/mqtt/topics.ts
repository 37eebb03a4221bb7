/**
 * MQTT topics, versioned so a future v2 can run beside v1 on one broker. Everything an agent
 * touches lives under `kr/v1/agents/{agentId}/`, which is what broker ACLs grant it.
 *
 *   kr/v1/agents/{agentId}/commands   cloud → agent   command envelopes (QoS 1)
 *   kr/v1/agents/{agentId}/config     cloud → agent   retained: the registers the agent drives (QoS 1)
 *   kr/v1/agents/{agentId}/results    agent → cloud   result envelopes (QoS 1)
 *   kr/v1/agents/{agentId}/presence   agent → cloud   retained online / last-will offline
 *   kr/v1/agents/{agentId}/heartbeat  agent → cloud   periodic health
 *   kr/v1/agents/{agentId}/events     agent → cloud   register state changes, alerts
 */
export const TOPIC_ROOT = 'kr';
export const TOPIC_VERSION = 'v1';
export const AGENT_CHANNELS = ['commands', 'config', 'results', 'presence', 'heartbeat', 'events'] as const;
/** The channels the cloud writes and the agent only reads. */
export const CLOUD_CHANNELS = ['commands', 'config'] as const;
type CloudChannel = (typeof CLOUD_CHANNELS)[number];
const isCloudChannel = (channel: AgentChannel): channel is CloudChannel =>
  (CLOUD_CHANNELS as readonly string[]).includes(channel);
export type AgentChannel = (typeof AGENT_CHANNELS)[number];

/** Agent ids are used as one topic level: no wildcards, separators or control characters. */
export const AGENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const isValidAgentId = (agentId: string): boolean => AGENT_ID_PATTERN.test(agentId);

function assertAgentId(agentId: string): void {
  if (!isValidAgentId(agentId))
    throw new Error(`invalid agent id for an MQTT topic: ${JSON.stringify(agentId)}`);
}

export const agentPrefix = (agentId: string): string => {
  assertAgentId(agentId);
  return `${TOPIC_ROOT}/${TOPIC_VERSION}/agents/${agentId}`;
};

export const agentTopic = (agentId: string, channel: AgentChannel): string =>
  `${agentPrefix(agentId)}/${channel}`;

export const topics = {
  commands: (agentId: string) => agentTopic(agentId, 'commands'),
  config: (agentId: string) => agentTopic(agentId, 'config'),
  results: (agentId: string) => agentTopic(agentId, 'results'),
  presence: (agentId: string) => agentTopic(agentId, 'presence'),
  heartbeat: (agentId: string) => agentTopic(agentId, 'heartbeat'),
  events: (agentId: string) => agentTopic(agentId, 'events'),
  /** What the cloud subscribes to: every agent's outbound channels. */
  allAgents: (channel: Exclude<AgentChannel, CloudChannel>) =>
    `${TOPIC_ROOT}/${TOPIC_VERSION}/agents/+/${channel}`,
};

export interface ParsedAgentTopic {
  agentId: string;
  channel: AgentChannel;
}

/** `kr/v1/agents/a1/results` → `{ agentId: 'a1', channel: 'results' }`; anything else → null. */
export function parseAgentTopic(topic: string): ParsedAgentTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 5) return null;
  const [root, version, agents, agentId, channel] = parts;
  if (root !== TOPIC_ROOT || version !== TOPIC_VERSION || agents !== 'agents') return null;
  if (!agentId || !isValidAgentId(agentId)) return null;
  if (!(AGENT_CHANNELS as readonly string[]).includes(channel ?? '')) return null;
  return { agentId, channel: channel as AgentChannel };
}

/**
 * Broker authorisation rule: an agent may publish only on its own outbound channels and
 * subscribe only to its own command and config topics.
 */
export function agentMayPublish(agentId: string, topic: string): boolean {
  const parsed = parseAgentTopic(topic);
  return parsed !== null && parsed.agentId === agentId && !isCloudChannel(parsed.channel);
}

export function agentMaySubscribe(agentId: string, topicFilter: string): boolean {
  return (
    isValidAgentId(agentId) &&
    (topicFilter === topics.commands(agentId) || topicFilter === topics.config(agentId))
  );
}
