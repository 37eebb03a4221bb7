import { agentAlertSchema } from '@kassa-relay/protocol';
import { z } from 'zod';
import { id, isoDateTime, route } from './contract';

export const agentView = z.object({
  id,
  name: z.string(),
  storeId: id,
  storeName: z.string(),
  /** False for a disabled agent, whatever its connection last said. */
  online: z.boolean(),
  version: z.string().nullable(),
  lastSeenAt: isoDateTime.nullable(),
  /** Journal entries not yet acknowledged by the broker, as the last heartbeat said (null before one). */
  journalDepth: z.number().int().nullable(),
  /** Commands the agent has in doubt, as the last heartbeat said (null before one). */
  inDoubt: z.number().int().nullable(),
  /** The last heartbeat's alerts (empty before one). */
  /** The agent's last heartbeat's alerts; `kind` as stored (a later version may know other kinds). */
  alerts: z.array(agentAlertSchema.extend({ kind: z.string() })),
  registerIds: z.array(id),
  disabled: z.boolean(),
});
export type AgentView = z.input<typeof agentView>;

export const createEnrollmentTokenBody = z.object({
  storeId: id,
  name: z.string().trim().min(1).max(100).optional(),
  ttlHours: z.number().int().min(1).max(720).default(24),
});

export const enrollmentToken = z.object({
  id,
  storeId: id,
  name: z.string().nullable(),
  expiresAt: isoDateTime,
  usedAt: isoDateTime.nullable(),
  /** The agent that spent it. */
  agentId: id.nullable(),
});
export type EnrollmentToken = z.input<typeof enrollmentToken>;

/** The token itself is in this answer only: the cloud keeps its hash. */
export const enrollmentTokenCreated = z.object({
  id,
  token: z.string(),
  expiresAt: isoDateTime,
  /** What to run on the store PC. */
  command: z.string(),
});
export type EnrollmentTokenCreated = z.input<typeof enrollmentTokenCreated>;

export const agentRoutes = {
  list: route({
    method: 'GET',
    path: '/api/agents',
    tag: 'agents',
    summary: "The organisation's store agents: connection, version and what their last heartbeat said",
    response: z.array(agentView),
  }),
  disable: route({
    method: 'POST',
    path: '/api/agents/:id/disable',
    tag: 'agents',
    summary: 'Disable an agent: its MQTT credentials stop working and it is disconnected',
    adminOnly: true,
    response: agentView,
    status: 200,
  }),
  listEnrollmentTokens: route({
    method: 'GET',
    path: '/api/enrollment-tokens',
    tag: 'agents',
    summary: "The organisation's enrollment tokens, newest first (without the tokens themselves)",
    response: z.array(enrollmentToken),
  }),
  createEnrollmentToken: route({
    method: 'POST',
    path: '/api/enrollment-tokens',
    tag: 'agents',
    summary: 'Create a one-time enrollment token for a store; shown only in this answer',
    adminOnly: true,
    body: createEnrollmentTokenBody,
    response: enrollmentTokenCreated,
  }),
};

export const enrollBody = z.object({
  token: z.string().min(1).max(200),
  name: z.string().trim().min(1).max(100).optional(),
  /** The store PC's host name: the agent's name when neither the request nor the token names it. */
  hostname: z.string().trim().min(1).max(100).optional(),
});

/** What `kassa-agent enroll` writes into the agent's config file. */
export const agentEnrollment = z.object({
  agentId: z.string(),
  mqtt: z.object({ url: z.string(), username: z.string(), password: z.string() }),
  /** The key the agent's register list is sealed with on the broker (base64). */
  configKey: z.string(),
  /**
   * The store's registers as `registerSetupSchema` (libs/protocol) describes them. Passed through
   * as they are: the agent checks them itself and says what is wrong, where a stricter answer here
   * would fail after the token is spent, with nothing for the person at the store PC to act on.
   */
  registers: z.array(z.record(z.string(), z.unknown())),
});

/**
 * The store PC's side of enrollment, not the dashboard's: the one-time token is its credential.
 * Kept apart from `adminRoutes` so the dashboard's client does not offer it.
 */
export const enrollmentRoutes = {
  enroll: route({
    method: 'POST',
    path: '/api/agents/enroll',
    tag: 'agents',
    summary: 'Enroll a store agent with a one-time token (no JWT)',
    public: true,
    body: enrollBody,
    response: agentEnrollment,
    status: 200,
  }),
};
