import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type AgentConfig, enrollAgent, repoRoot } from './agent-enroll';
import { AdminApi } from './admin-api';
import { type ChildProgram, describeExit, ProcessGroup, productEnv } from './child-program';
import { freePort } from './free-port';
import { stopPostgres } from './postgres-process';
import { waitUntil } from './wait-until';

/** The two register families the product drives, each with its simulator (tools/ikkm-sim, tools/cash-core-sim). */
export type RegisterKind = 'ikkm' | 'cash-core';
/** The cash-core simulator's administrator PIN (its `--admin-pin`; the register's `accessCode`). */
export const CASH_CORE_PIN = '0000';
/** The register every cash-core simulator starts with (seed 003's example). */
export const KKM_OFD_ID = 6923;

/** A register of the run's organisation, with the POS key a client sends to `/sale`. */
export interface ProductRegister {
  kind: RegisterKind;
  id: string;
  posKey: string;
}

export interface ProductWorldOptions {
  /** The cloud's data (`cloud/`, its PostgreSQL under `cloud/postgres`) and the agent's (`agent/`). */
  dir: string;
  /** `cloud.log`, `agent.log`: appended across restarts. */
  logsDir: string;
  /** The bootstrap admin the cloud creates on its first start. */
  admin: { email: string; password: string };
  /** The cloud's LOG_LEVEL and the agent's `logLevel`. */
  logLevel: 'info' | 'warn';
  /** KASSA_POS_WAIT_MS: how long `/sale` waits for the register before answering code 5. */
  posWaitMs: number;
  /** How long one admin API call may take. */
  apiTimeoutMs?: number;
  /** Names the run: its agent (`<label>-agent`), its enrollment token, a failed cleanup's message. */
  label: string;
  /**
   * Added to (and overriding) the cloud's environment: e.g. an external broker (`MQTT_URL`,
   * `MQTT_USERNAME`, `MQTT_PASSWORD`, `KASSA_MQTT_PROVISIONING`) instead of the embedded one.
   */
  cloudEnv?: NodeJS.ProcessEnv;
}

/**
 * The product on 127.0.0.1 as separate processes, made the way a store makes it: the cloud (its
 * embedded PostgreSQL and broker on ports of its own), an organisation through the admin API, an
 * agent enrolled with `kassa-agent enroll` and started with its config file. What a run adds (its
 * registers, simulators, faults) lives in the tool that extends it; `started` sees every start.
 */
export class ProductWorld<Register extends ProductRegister = ProductRegister> {
  readonly processes: ProcessGroup;
  readonly ports = { http: 0, mqtt: 0, pg: 0, agent: 0 };
  readonly secretKey = randomBytes(32).toString('hex');
  readonly dir: string;
  readonly logsDir: string;
  readonly agentConfigPath: string;
  /** Signed in as the bootstrap admin once `signIn` has run. */
  api!: AdminApi;
  cloudUrl = '';
  cloud: ChildProgram | undefined;
  agent: ChildProgram | undefined;
  agentId = '';
  registers: Register[] = [];

  constructor(protected readonly world: ProductWorldOptions) {
    this.dir = world.dir;
    this.logsDir = world.logsDir;
    mkdirSync(this.logsDir, { recursive: true });
    this.agentConfigPath = join(this.dir, 'agent', 'agent.json');
    this.processes = new ProcessGroup(world.label);
    // A cloud killed mid-run leaves its PostgreSQL running; the run must not.
    this.processes.onCleanup(() => stopPostgres(this.postgresDir));
  }

  register(kind: RegisterKind): Register {
    const found = this.registers.find((r) => r.kind === kind);
    if (!found) throw new Error(`no ${kind} register`);
    return found;
  }

  /** Fixed for the whole run: a part started again comes back where its peers expect it. */
  async allocatePorts(): Promise<void> {
    for (const key of Object.keys(this.ports) as (keyof typeof this.ports)[])
      this.ports[key] = await freePort();
    this.cloudUrl = `http://127.0.0.1:${this.ports.http}`;
    this.api = new AdminApi(this.cloudUrl, this.world.admin, this.world.apiTimeoutMs);
  }

  /** Signs the admin API in as the bootstrap admin (once the cloud is up). */
  async signIn(): Promise<void> {
    await this.api.login();
  }

  get postgresDir(): string {
    return join(this.dir, 'cloud', 'postgres');
  }

  get databaseUrl(): string {
    return `postgresql://postgres@127.0.0.1:${this.ports.pg}/kassa_relay`;
  }

  get agentHealthUrl(): string {
    return `http://127.0.0.1:${this.ports.agent}/health`;
  }

  /** Called with every program the world starts, before it waits for it (to supervise or watch it). */
  protected started(_part: 'cloud' | 'agent', _program: ChildProgram): void {}

  /** The cloud on its ports and data directory; resolves once `/health/ready` answers. */
  async startCloud(): Promise<ChildProgram> {
    const cloud = this.processes.start({
      name: 'cloud',
      command: process.execPath,
      args: ['-r', '@swc-node/register', join(repoRoot, 'apps/cloud/src/main.ts')],
      cwd: repoRoot,
      logFile: join(this.logsDir, 'cloud.log'),
      env: productEnv({
        HOST: '127.0.0.1',
        PORT: String(this.ports.http),
        KASSA_DATA_DIR: join(this.dir, 'cloud'),
        KASSA_PG_PORT: String(this.ports.pg),
        KASSA_MQTT_HOST: '127.0.0.1',
        KASSA_MQTT_PORT: String(this.ports.mqtt),
        KASSA_SECRET_KEY: this.secretKey,
        KASSA_ADMIN_EMAIL: this.world.admin.email,
        KASSA_ADMIN_PASSWORD: this.world.admin.password,
        KASSA_POS_WAIT_MS: String(this.world.posWaitMs),
        LOG_LEVEL: this.world.logLevel,
        ...this.world.cloudEnv,
      }),
    });
    this.cloud = cloud;
    this.started('cloud', cloud);
    const exited = cloud.exited.then((exit) => {
      throw new Error(`exited (${describeExit(exit)})`);
    });
    exited.catch(() => undefined);
    await Promise.race([
      exited,
      waitUntil(
        async () => (await fetch(`${this.cloudUrl}/health/ready`, { signal: AbortSignal.timeout(2_000) })).ok,
        180_000,
        'the cloud to be ready',
      ),
    ]).catch((error: Error) => {
      throw new Error(`the cloud did not start: ${error.message}\n${cloud.lastLines(10)}`);
    });
    return cloud;
  }

  /**
   * An enrollment token for `storeId`, then `kassa-agent enroll` as a store PC runs it; the config
   * is then made local (its own health port, quick reconnects, the run's log level) and `adjust`
   * adds what the run needs.
   */
  async enrollAgent(
    storeId: string,
    timeoutMs: number,
    adjust?: (config: AgentConfig) => void,
  ): Promise<void> {
    const { token } = await this.api.api.agents.createEnrollmentToken({
      storeId,
      name: `${this.world.label} agent`,
      ttlHours: 1,
    });
    mkdirSync(join(this.dir, 'agent'), { recursive: true });
    this.agentId = await enrollAgent({
      cloudUrl: this.cloudUrl,
      token,
      configPath: this.agentConfigPath,
      dataDir: join(this.dir, 'agent', 'data'),
      name: `${this.world.label}-agent`,
      timeoutMs,
      adjust: (config) => {
        config.mqtt['reconnectMinMs'] = 200;
        config.mqtt['reconnectMaxMs'] = 2_000;
        config['http'] = { host: '127.0.0.1', port: this.ports.agent };
        config['logLevel'] = this.world.logLevel;
        adjust?.(config);
      },
    });
  }

  /** Starts the enrolled agent (`kassa-agent --config`); the caller waits for what it needs. */
  spawnAgent(env: NodeJS.ProcessEnv = {}): ChildProgram {
    const agent = this.processes.start({
      name: 'agent',
      command: process.execPath,
      args: ['--import', 'tsx', join(repoRoot, 'apps/agent/src/main.ts'), '--config', this.agentConfigPath],
      cwd: repoRoot,
      logFile: join(this.logsDir, 'agent.log'),
      env: productEnv(env),
    });
    this.agent = agent;
    this.started('agent', agent);
    return agent;
  }

  async agentOnline(agentId = this.agentId): Promise<boolean> {
    const agents = await this.api.api.agents.list();
    return agents.some((a) => a.id === agentId && a.online);
  }

  async waitAgentOnline(timeoutMs: number): Promise<void> {
    await waitUntil(() => this.agentOnline(), timeoutMs, `agent ${this.agentId} online in the cloud`);
  }
}
