import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isValidAgentId } from '@kassa-relay/protocol';
import { z } from 'zod';

const taxTableSchema = z
  .array(
    z.object({
      /** Percent as written by people (12, 0, 16.5); converted to thousandths once, here. */
      percent: z.number().min(0).max(100),
      name: z.string().optional(),
      /** The register's own tax code (iKKM `tax` parameter). */
      registerCode: z.string().optional(),
    }),
  )
  .default([]);

const registerBase = {
  /** The cloud's id for this register; commands name it. */
  id: z.string().min(1).max(64),
  url: z.url({ protocol: /^https?$/ }),
  taxTable: taxTableSchema,
  timeoutMs: z.number().int().positive().optional(),
};

export const registerConfigSchema = z.discriminatedUnion('kind', [
  z.object({
    ...registerBase,
    kind: z.literal('ikkm'),
    /** The web-api key set on the device; afterwards the agent keeps the rotating key itself. */
    initialKey: z.string().regex(/^\d+$/, 'the iKKM web-api key is a number'),
    inn: z.string().optional(),
    minRequestIntervalMs: z.number().int().nonnegative().optional(),
    /** The device's clock zone (it reports local time without one); Kazakhstan: UTC+5 = 300. */
    utcOffsetMinutes: z.number().int().min(-720).max(840).default(300),
  }),
  z.object({
    ...registerBase,
    kind: z.literal('cash-core'),
    /** PIN or token sent in `Authorization`. */
    accessCode: z.string().min(1),
    kkmOfdId: z.number().int().positive(),
  }),
]);
export type RegisterConfig = z.infer<typeof registerConfigSchema>;

export const agentConfigSchema = z.object({
  agentId: z.string().refine(isValidAgentId, 'agentId: 1–64 letters, digits, "-" or "_"'),
  mqtt: z.object({
    url: z
      .string()
      .regex(/^(mqtts?|wss?|tcp):\/\//, 'mqtt.url must start with mqtt://, mqtts://, ws:// or wss://'),
    username: z.string().optional(),
    password: z.string().optional(),
    /** 5 uses session expiry; 4 (3.1.1) uses clean=false; auto tries 5 and falls back to 4 (Aedes). */
    protocolVersion: z.union([z.literal(4), z.literal(5), z.literal('auto')]).default('auto'),
    keepaliveSec: z.number().int().positive().default(30),
    sessionExpirySec: z
      .number()
      .int()
      .positive()
      .default(7 * 24 * 3600),
    reconnectMinMs: z.number().int().positive().default(500),
    reconnectMaxMs: z.number().int().positive().default(30_000),
  }),
  /** Journal database and state; relative paths are relative to the config file. */
  dataDir: z.string().min(1),
  http: z
    .object({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535).default(9465) })
    .default({ host: '127.0.0.1', port: 9465 }),
  heartbeatIntervalSec: z.number().positive().default(15),
  /** Results waiting for the broker: past any limit the heartbeat raises an alert; nothing is dropped. */
  outbox: z
    .object({
      maxCount: z.number().int().positive().default(10_000),
      maxBytes: z
        .number()
        .int()
        .positive()
        .default(50 * 1024 * 1024),
      maxAgeHours: z.number().positive().default(72),
    })
    .default({ maxCount: 10_000, maxBytes: 50 * 1024 * 1024, maxAgeHours: 72 }),
  /** How long a lost device answer is retried through reconciliation before giving the register a rest. */
  reconcileRetryMaxMs: z.number().int().positive().default(30_000),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  registers: z
    .array(registerConfigSchema)
    .min(1, 'at least one register')
    .refine((list) => new Set(list.map((r) => r.id)).size === list.length, 'register ids must be unique'),
});
export type AgentConfig = z.infer<typeof agentConfigSchema>;
export type AgentConfigInput = z.input<typeof agentConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads the config file, applies environment overrides (KASSA_AGENT_MQTT_URL,
 * KASSA_AGENT_MQTT_USERNAME, KASSA_AGENT_MQTT_PASSWORD, KASSA_AGENT_DATA_DIR,
 * KASSA_AGENT_HTTP_PORT, KASSA_AGENT_LOG_LEVEL) and validates once. Errors name the field.
 */
export function loadAgentConfig(path: string, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`cannot read config ${path}: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null)
    throw new ConfigError(`config ${path}: expected a JSON object`);
  const input = raw as Record<string, unknown>;
  const mqtt = { ...((input['mqtt'] as object | undefined) ?? {}) } as Record<string, unknown>;
  if (env['KASSA_AGENT_MQTT_URL']) mqtt['url'] = env['KASSA_AGENT_MQTT_URL'];
  if (env['KASSA_AGENT_MQTT_USERNAME']) mqtt['username'] = env['KASSA_AGENT_MQTT_USERNAME'];
  if (env['KASSA_AGENT_MQTT_PASSWORD']) mqtt['password'] = env['KASSA_AGENT_MQTT_PASSWORD'];
  const merged: Record<string, unknown> = { ...input, mqtt };
  if (env['KASSA_AGENT_DATA_DIR']) merged['dataDir'] = env['KASSA_AGENT_DATA_DIR'];
  if (env['KASSA_AGENT_LOG_LEVEL']) merged['logLevel'] = env['KASSA_AGENT_LOG_LEVEL'];
  if (env['KASSA_AGENT_HTTP_PORT']) {
    merged['http'] = {
      ...((input['http'] as object | undefined) ?? {}),
      port: Number(env['KASSA_AGENT_HTTP_PORT']),
    };
  }
  const parsed = agentConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `  - ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new ConfigError(`invalid config ${path}:\n${problems.join('\n')}`);
  }
  return { ...parsed.data, dataDir: resolve(dirname(resolve(path)), parsed.data.dataDir) };
}
