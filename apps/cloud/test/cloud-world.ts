import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startCashCoreSimulator } from '@kassa-relay/cash-core-sim';
import { startIkkmSimulator } from '@kassa-relay/ikkm-sim';
import { agentConfigKey } from '../src/agents/agent-configs';
import { freePort, type StartedProcess, startProcess, tempDir, waitUntil } from '@kassa-relay/testing';
import WebSocket from 'ws';
import { stopLocalPostgres } from '@kassa-relay/postgres-server';
import { createPrismaClient, type PrismaClient } from '../src/database/prisma-client';
import { storeRegisterConfig } from '../src/registers/register-config';
import { SecretBox, tokenHash } from '../src/security/secret-box';
import { hashSecret, newSecret } from '../src/security/secret-hash';
import { createTestDatabase, sharedPostgres, type TestDatabase } from './test-database';

export { freePort, waitUntil } from '@kassa-relay/testing';

export const repoRoot = resolve(__dirname, '../../..');

export const ADMIN = { email: 'admin@example.kz', password: 'correct-horse-42' };

export interface CloudProcess {
  url: string;
  mqttUrl: string;
  databaseUrl: string;
  process: StartedProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface CloudWorldOptions {
  /** Extra environment for the cloud process (e.g. KASSA_POS_WAIT_MS). */
  env?: NodeJS.ProcessEnv;
  /**
   * The cloud starts its own embedded PostgreSQL under the world's directory, as a default install
   * does, instead of using a database on the run's shared server: for tests that stop that server
   * (every other file's cloud would lose its database too).
   */
  embeddedDatabase?: boolean;
}

/**
 * The whole product on 127.0.0.1, as processes: the cloud (`node -r @swc-node/register
 * apps/cloud/src/main.ts`) with its embedded broker and a fresh database of its own on the run's
 * shared PostgreSQL (DATABASE_URL; or, with `embeddedDatabase`, its embedded PostgreSQL), both
 * simulators in-process, and — after `seedStore()` — one real agent process serving one register
 * of each kind.
 */
export class CloudWorld {
  readonly dir = tempDir('cloud-world-');
  readonly secretKey = randomBytes(32).toString('hex');
  private readonly box = new SecretBox(Buffer.from(this.secretKey, 'hex'));
  cloud!: CloudProcess;
  prisma!: PrismaClient;
  ikkm!: { url: string; close(): Promise<void> };
  cashCore!: { url: string; close(): Promise<void> };
  agent: StartedProcess | undefined;
  /** The world's database on the shared server; undefined when the cloud embeds its own. */
  private database: TestDatabase | undefined;
  private pgPort = 0;
  private mqttPort = 0;
  private httpPort = 0;
  seed:
    | {
        organisationId: string;
        storeId: string;
        agentId: string;
        agentPassword: string;
        registers: { ikkm: string; cashCore: string };
        posKeys: { ikkm: string; cashCore: string };
        posKeyIds: { ikkm: string; cashCore: string };
      }
    | undefined;

  constructor(private readonly options: CloudWorldOptions = {}) {}

  async start(): Promise<this> {
    const shared = this.options.embeddedDatabase ? undefined : sharedPostgres();
    // Created once per world: a restarted cloud finds its data again.
    if (shared) this.database = await createTestDatabase(shared);
    else this.pgPort = await freePort();
    this.mqttPort = await freePort();
    this.httpPort = await freePort();
    // Seed 000's own example has tiyn (123.45): this iKKM is one that takes decimal amounts.
    this.ikkm = await startIkkmSimulator({
      port: 0,
      key: '11112222',
      stateDir: join(this.dir.path, 'ikkm'),
      acceptDecimals: true,
    });
    this.cashCore = await startCashCoreSimulator({
      port: 0,
      stateDir: join(this.dir.path, 'cc'),
      adminPin: '0000',
    });
    await this.startCloud();
    this.prisma = createPrismaClient(this.cloud.databaseUrl);
    return this;
  }

  async startCloud(): Promise<CloudProcess> {
    const child = await startProcess(
      process.execPath,
      ['-r', '@swc-node/register', join(repoRoot, 'apps/cloud/src/main.ts')],
      {
        cwd: repoRoot,
        readyPattern: /"msg":"cloud started"/,
        timeoutMs: 90_000,
        env: {
          HOST: '127.0.0.1',
          PORT: String(this.httpPort),
          KASSA_DATA_DIR: join(this.dir.path, 'cloud'),
          ...(this.database ? { DATABASE_URL: this.database.url } : { KASSA_PG_PORT: String(this.pgPort) }),
          KASSA_MQTT_HOST: '127.0.0.1',
          KASSA_MQTT_PORT: String(this.mqttPort),
          KASSA_SECRET_KEY: this.secretKey,
          KASSA_ADMIN_EMAIL: ADMIN.email,
          KASSA_ADMIN_PASSWORD: ADMIN.password,
          KASSA_POS_WAIT_MS: '15000',
          LOG_LEVEL: 'info',
          ...this.options.env,
        },
      },
    );
    const line = JSON.parse(child.readyMatch.input ?? '{}') as { url: string; mqtt: string };
    this.cloud = {
      url: line.url,
      mqttUrl: line.mqtt,
      databaseUrl: this.database?.url ?? `postgresql://postgres@127.0.0.1:${this.pgPort}/kassa_relay`,
      process: child,
      stop: async (signal = 'SIGTERM') => {
        await child.stop(signal, 15_000);
      },
    };
    return this.cloud;
  }

  /** An admin bearer token (the bootstrap admin). */
  async adminToken(email = ADMIN.email, password = ADMIN.password): Promise<string> {
    const response = await fetch(`${this.cloud.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (!response.ok) throw new Error(`login failed: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { token: string }).token;
  }

  /**
   * A store with one agent and two registers (iKKM and cash core) written straight into the
   * database, POS keys for both, and the agent's config file. The admin API's own tests create the
   * same through HTTP; POS tests should not depend on it.
   */
  async seedStore(): Promise<NonNullable<CloudWorld['seed']>> {
    const organisation = await this.prisma.organisation.findFirstOrThrow({ orderBy: { createdAt: 'asc' } });
    const store = await this.prisma.store.create({
      data: { organisationId: organisation.id, name: 'Магазин на Абая' },
    });
    const agentId = `agent-${randomBytes(4).toString('hex')}`;
    const agentPassword = newSecret();
    await this.prisma.agent.create({
      data: {
        id: agentId,
        storeId: store.id,
        name: 'Мини-ПК',
        mqttUsername: agentId,
        mqttPasswordHash: await hashSecret(agentPassword),
      },
    });
    const taxTable = [{ percent: 12, name: 'НДС 12%' }];
    const ikkm = await this.prisma.register.create({
      data: {
        storeId: store.id,
        agentId,
        kind: 'ikkm',
        name: 'iKKM 1',
        config: storeRegisterConfig(
          {
            kind: 'ikkm',
            url: this.ikkm.url,
            initialKey: '11112222',
            minRequestIntervalMs: 0,
            acceptsDecimals: true,
          },
          taxTable,
          this.box,
        ) as object,
      },
    });
    const cashCore = await this.prisma.register.create({
      data: {
        storeId: store.id,
        agentId,
        kind: 'cash_core',
        name: 'Cash core 1',
        config: storeRegisterConfig(
          { kind: 'cash-core', url: this.cashCore.url, accessCode: '0000', kkmOfdId: 6923 },
          taxTable,
          this.box,
        ) as object,
      },
    });
    const posKeys = { ikkm: `kr_pos_${newSecret()}`, cashCore: `kr_pos_${newSecret()}` };
    const k1 = await this.prisma.posKey.create({
      data: {
        registerId: ikkm.id,
        name: 'web shop',
        keyHash: tokenHash(posKeys.ikkm),
        prefix: posKeys.ikkm.slice(0, 10),
      },
    });
    const k2 = await this.prisma.posKey.create({
      data: {
        registerId: cashCore.id,
        name: 'web shop',
        keyHash: tokenHash(posKeys.cashCore),
        prefix: posKeys.cashCore.slice(0, 10),
      },
    });
    this.seed = {
      organisationId: organisation.id,
      storeId: store.id,
      agentId,
      agentPassword,
      registers: { ikkm: ikkm.id, cashCore: cashCore.id },
      posKeys,
      posKeyIds: { ikkm: k1.id, cashCore: k2.id },
    };
    // The key the cloud seals this agent's register list with, as enrollment would hand it out.
    const configKey = Buffer.from(await agentConfigKey(Buffer.from(this.secretKey, 'hex'), agentId)).toString(
      'base64',
    );
    writeFileSync(
      this.agentConfigPath,
      JSON.stringify({
        agentId,
        configKey,
        mqtt: {
          url: this.cloud.mqttUrl,
          username: agentId,
          password: agentPassword,
          reconnectMinMs: 100,
          reconnectMaxMs: 500,
        },
        dataDir: join(this.dir.path, 'agent'),
        http: { port: 0 },
        heartbeatIntervalSec: 1,
        registers: [
          {
            id: ikkm.id,
            kind: 'ikkm',
            url: this.ikkm.url,
            initialKey: '11112222',
            taxTable,
            minRequestIntervalMs: 0,
            acceptsDecimals: true,
          },
          {
            id: cashCore.id,
            kind: 'cash-core',
            url: this.cashCore.url,
            accessCode: '0000',
            kkmOfdId: 6923,
            taxTable,
          },
        ],
      }),
    );
    return this.seed;
  }

  get agentConfigPath(): string {
    return join(this.dir.path, 'agent.json');
  }

  /** Starts the agent process and waits until the cloud has seen it online. */
  async startAgent(configPath = this.agentConfigPath, agentId = this.seed?.agentId): Promise<void> {
    this.agent = await startProcess(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'apps/agent/src/main.ts'), '--config', configPath],
      {
        readyPattern: /"msg":"agent started"/,
        cwd: repoRoot,
      },
    );
    if (agentId)
      await waitUntil(
        async () => (await this.prisma.agent.findUnique({ where: { id: agentId } }))?.online === true,
        20_000,
        'agent online in the cloud',
      );
  }

  async stopAgent(): Promise<void> {
    await this.agent?.stop();
    this.agent = undefined;
  }

  async journal(sim: { url: string }): Promise<{ kind: string; total?: number }[]> {
    const response = await fetch(`${sim.url}/_sim/journal`);
    return ((await response.json()) as { entries: { kind: string; total?: number }[] }).entries;
  }

  async close(): Promise<void> {
    await this.agent?.stop().catch(() => undefined);
    await this.prisma?.$disconnect().catch(() => undefined);
    await this.cloud?.stop().catch(() => undefined);
    if (this.database) await this.database.drop().catch(() => undefined);
    else stopLocalPostgres(join(this.dir.path, 'cloud', 'postgres'));
    for (const sim of [this.ikkm, this.cashCore]) await sim?.close().catch(() => undefined);
    this.dir.remove();
  }
}

// ---- POS clients for tests (additive: used by the pos-*.test.ts files) ----

/** A simulator's fault, as its control API takes it (`POST <sim>/_sim/faults`). */
export interface SimFault {
  kind: 'delay' | 'error' | 'commit-then-drop' | 'drop';
  count?: number;
  /** iKKM: a path prefix (`/api`); cash core: a method name (`TradeOperation`) or a path prefix. */
  match?: string;
  delayMs?: number;
  code?: number;
}

export async function addSimFault(sim: { url: string }, fault: SimFault): Promise<void> {
  const response = await fetch(`${sim.url}/_sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  });
  if (!response.ok) throw new Error(`fault refused: ${response.status} ${await response.text()}`);
}

export async function clearSimFaults(sim: { url: string }): Promise<void> {
  await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
}

/** `POST /sale` with a POS key (undefined: no Authorization header); the body is sent as given. */
export async function postSale(
  cloudUrl: string,
  key: string | undefined,
  body: string | object,
): Promise<{ status: number; answer: unknown }> {
  const response = await fetch(`${cloudUrl}/sale`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key !== undefined ? { authorization: `Bearer ${key}` } : {}),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, answer: JSON.parse(text) as unknown };
}

/**
 * One raw seed 000 WebSocket connection to `ws://…/ws`. `call` sends one frame and resolves with
 * the next answer (frames are sent one at a time, so answers cannot cross).
 */
export class PosWsClient {
  private readonly answers: unknown[] = [];
  private readonly waiting: ((answer: unknown) => void)[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const answer = JSON.parse(data.toString()) as unknown;
      const waiter = this.waiting.shift();
      if (waiter) waiter(answer);
      else this.answers.push(answer);
    });
  }

  /** Connects with the key in `Authorization: Bearer` (`header`) or in `?token=` (`query`). */
  static async connect(cloudUrl: string, key: string, how: 'header' | 'query'): Promise<PosWsClient> {
    const base = `${cloudUrl.replace(/^http/, 'ws')}/ws`;
    const socket =
      how === 'header'
        ? new WebSocket(base, { headers: { authorization: `Bearer ${key}` } })
        : new WebSocket(`${base}?token=${encodeURIComponent(key)}`);
    await new Promise<void>((resolveOpen, reject) => {
      socket.once('open', () => resolveOpen());
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade refused: ${response.statusCode}`)),
      );
    });
    return new PosWsClient(socket);
  }

  /** The HTTP status a refused upgrade answered with (the connection must not open). */
  static async refusedStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
    return new Promise((resolveStatus, reject) => {
      const socket = new WebSocket(url, { headers });
      socket.once('open', () => {
        socket.close();
        reject(new Error('the upgrade was accepted'));
      });
      socket.once('unexpected-response', (_request, response) => {
        resolveStatus(response.statusCode ?? 0);
        response.resume();
        socket.terminate();
      });
      socket.once('error', (error) => reject(error));
    });
  }

  /** Sends a frame (an object is JSON-encoded, a string goes as is) and waits for one answer. */
  call(
    frame: object | string,
    timeoutMs = 30_000,
  ): Promise<{ event: string; data: Record<string, unknown> }> {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    return this.next(timeoutMs) as Promise<{ event: string; data: Record<string, unknown> }>;
  }

  private next(timeoutMs: number): Promise<unknown> {
    const queued = this.answers.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolveAnswer, reject) => {
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(onAnswer), 1);
        reject(new Error(`no WS answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const onAnswer = (answer: unknown) => {
        clearTimeout(timer);
        resolveAnswer(answer);
      };
      this.waiting.push(onAnswer);
    });
  }

  close(): void {
    this.socket.close();
  }
}
