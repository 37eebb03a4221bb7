import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  isValidAgentId,
  type RegisterSetup,
  registerSetupListSchema,
  registerSetupSchema,
} from '@kassa-relay/protocol';
import { z } from 'zod';

/** One register the agent drives: the same shape the cloud sends (libs/protocol). */
export const registerConfigSchema = registerSetupSchema;
export type RegisterConfig = RegisterSetup;

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
    /** For `mqtts://` with a private CA: the CA certificate (PEM file; relative to the config file). */
    caFile: z.string().optional(),
  }),
  /**
   * The key the cloud seals this agent's register list with (base64, 32 bytes), given at
   * enrollment: the list on the broker carries device secrets and is never sent in clear.
   */
  configKey: z
    .string()
    .refine((text) => Buffer.from(text, 'base64').length === 32, 'configKey: 32 bytes, base64')
    .optional(),
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
  /**
   * A command in doubt is reconciled after 1 s, then 2 s, 4 s … up to this pause (default 5 min),
   * for as long as it stays in doubt.
   */
  reconcileRetryMaxMs: z.number().int().positive().default(300_000),
  /**
   * Finished commands the journal keeps (to answer a repeated id from the journal): reported ones
   * go after `retentionDays`, or sooner, oldest first, beyond `maxReported` — but never within a
   * day of their deadline. Pruned at start and every hour. `maxSizeMb` caps the database file:
   * past it a new command is not acknowledged (the broker keeps it) and an alert is raised,
   * instead of the disk filling up under the store's other programs.
   */
  journal: z
    .object({
      retentionDays: z.number().positive().default(30),
      maxReported: z.number().int().positive().default(100_000),
      maxSizeMb: z.number().min(1).default(2048),
    })
    .default({ retentionDays: 30, maxReported: 100_000, maxSizeMb: 2048 }),
  /** How long a command waits for a register that answers "busy" before it fails (never past its deadline). */
  busyWaitMs: z.number().int().positive().default(60_000),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Until the cloud sends its list (`config`); from then on the journal keeps the cloud's. */
  registers: registerSetupListSchema,
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
  const base = dirname(resolve(path));
  const caFile = parsed.data.mqtt.caFile;
  return {
    ...parsed.data,
    mqtt: { ...parsed.data.mqtt, ...(caFile ? { caFile: resolve(base, caFile) } : {}) },
    dataDir: resolve(base, parsed.data.dataDir),
  };
}
