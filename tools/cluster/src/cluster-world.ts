import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type RunningCashCoreSimulator, startCashCoreSimulator } from '@kassa-relay/cash-core-sim';
import { type IkkmSimulator, startIkkmSimulator } from '@kassa-relay/ikkm-sim';
import { type LocalPostgres, startLocalPostgres } from '@kassa-relay/postgres-server';
import {
  AdminApi,
  CASH_CORE_PIN,
  type ChildProgram,
  dashboardIndex,
  describeExit,
  enrollAgent,
  freePort,
  KKM_OFD_ID,
  ProcessGroup,
  productEnv,
  type RegisterKind,
  repoRoot,
  type RunningMosquitto,
  startMosquitto,
  waitUntil,
} from '@kassa-relay/testing';
import { HAPROXY, haproxyConfig, haproxyServerStates } from './haproxy';

export interface ClusterOptions {
  /** PostgreSQL's data, each instance's data directory, the agent's config and journal. */
  dir: string;
  /** `cloud-N.log`, `haproxy.log`, `agent.log`. */
  logsDir: string;
  /** How many cloud instances run behind the load balancer. */
  instances: number;
  /** The bootstrap admin the first instance creates (the others find it). */
  admin: { email: string; password: string };
  /** KASSA_POS_WAIT_MS of every instance. */
  posWaitMs: number;
  logLevel: 'info' | 'warn';
  /** The load balancer's port (0: a free one). */
  port?: number;
  /** Instances started with the cluster (default all); the rest wait for `startInstance`. */
  running?: number;
  /** A store with both simulators and a real agent (default true; a benchmark brings a fleet). */
  store?: boolean;
  label: string;
}

/** One cloud instance: its own port and data directory, the shared database and broker. */
export interface CloudInstance {
  id: string;
  port: number;
  url: string;
  program: ChildProgram | undefined;
}

/** A register of the cluster's store, with the POS key a client sends. */
export interface ClusterRegister {
  kind: RegisterKind;
  id: string;
  posKey: string;
}

/**
 * The production topology of README "Production", on 127.0.0.1, with real parts only: one
 * PostgreSQL server, Debian's Mosquitto with the dynamic-security plugin (the cloud provisions
 * every agent's account on it), N cloud instances started at once on the one database (no sticky
 * sessions, no leader), HAProxy in front of them, a store with an iKKM and a cash core (the
 * simulators), and a real agent enrolled through the load balancer. Everything an office or a
 * POS does goes through `url`, the load balancer.
 */
export class ClusterWorld {
  readonly processes: ProcessGroup;
  /** The same on every instance: admin tokens and sealed register lists must hold on all of them. */
  readonly secretKey = randomBytes(32).toString('hex');
  readonly instances: CloudInstance[] = [];
  postgres!: LocalPostgres;
  mosquitto!: RunningMosquitto;
  loadBalancer: ChildProgram | undefined;
  url = '';
  api!: AdminApi;
  ikkm!: IkkmSimulator;
  cashCore!: RunningCashCoreSimulator;
  storeId = '';
  agentId = '';
  agent: ChildProgram | undefined;
  registers: ClusterRegister[] = [];

  constructor(private readonly options: ClusterOptions) {
    this.processes = new ProcessGroup(options.label);
    mkdirSync(options.logsDir, { recursive: true });
  }

  register(kind: RegisterKind): ClusterRegister {
    const found = this.registers.find((register) => register.kind === kind);
    if (!found) throw new Error(`no ${kind} register`);
    return found;
  }

  get databaseUrl(): string {
    return this.postgres.url;
  }

  /** The whole topology, in dependency order; the instances start together. */
  async start(say: (line: string) => void = () => undefined): Promise<void> {
    const { dir } = this.options;
    this.postgres = await startLocalPostgres({ dataDir: join(dir, 'postgres'), port: await freePort() });
    this.processes.onCleanup(() => this.postgres.stop());
    say(`PostgreSQL: ${this.postgres.url}`);
    this.mosquitto = await startMosquitto();
    this.processes.onCleanup(() => this.mosquitto.close());
    say(`Mosquitto (dynamic security): ${this.mosquitto.url}`);
    for (let n = 1; n <= this.options.instances; n += 1) {
      const port = await freePort();
      this.instances.push({ id: `cloud-${n}`, port, url: `http://127.0.0.1:${port}`, program: undefined });
    }
    // All at once on the empty database: the migrations and the first admin run under their locks.
    const running = this.instances.slice(0, this.options.running ?? this.instances.length);
    await Promise.all(running.map((instance) => this.startInstance(instance)));
    say(`cloud instances: ${running.map((i) => `${i.id} ${i.url}`).join(', ')}`);
    await this.startLoadBalancer();
    say(`HAProxy: ${this.url}`);
    this.api = new AdminApi(this.url, this.options.admin);
    await this.api.login();
    if (this.options.store === false) return;
    this.ikkm = await startIkkmSimulator({ port: 0, key: '11112222', stateDir: join(dir, 'ikkm') });
    this.cashCore = await startCashCoreSimulator({
      port: 0,
      stateDir: join(dir, 'cash-core'),
      adminPin: CASH_CORE_PIN,
    });
    this.processes.onCleanup(async () => {
      await this.ikkm.close();
      await this.cashCore.close();
    });
    await this.createStore();
    await this.enrollAgent();
    this.startAgent();
    await waitUntil(() => this.agentOnline(), 60_000, 'the agent online in the cloud');
    say(`agent ${this.agentId} online; registers: ${this.registers.map((r) => r.kind).join(', ')}`);
  }

  /** A cloud instance on its port, with the shared database, broker and secret. */
  async startInstance(instance: CloudInstance): Promise<void> {
    const program = this.processes.start({
      name: instance.id,
      command: process.execPath,
      args: ['-r', '@swc-node/register', join(repoRoot, 'apps/cloud/src/main.ts')],
      cwd: repoRoot,
      logFile: join(this.options.logsDir, `${instance.id}.log`),
      env: productEnv({
        HOST: '127.0.0.1',
        PORT: String(instance.port),
        KASSA_DATA_DIR: join(this.options.dir, instance.id),
        DATABASE_URL: this.postgres.url,
        MQTT_URL: this.mosquitto.url,
        MQTT_USERNAME: this.mosquitto.admin.username,
        MQTT_PASSWORD: this.mosquitto.admin.password,
        KASSA_MQTT_PROVISIONING: 'dynsec',
        KASSA_INSTANCE_ID: instance.id,
        KASSA_SECRET_KEY: this.secretKey,
        KASSA_ADMIN_EMAIL: this.options.admin.email,
        KASSA_ADMIN_PASSWORD: this.options.admin.password,
        KASSA_POS_WAIT_MS: String(this.options.posWaitMs),
        LOG_LEVEL: this.options.logLevel,
        // The dashboard, when it is built (npm run cluster builds it; tests need not).
        ...(existsSync(dashboardIndex(repoRoot))
          ? { KASSA_DASHBOARD_DIR: dirname(dashboardIndex(repoRoot)) }
          : {}),
      }),
    });
    instance.program = program;
    await this.ready(program, instance.url, 180_000, `${instance.id} to be ready`);
  }

  /** Until `url`/health/ready answers 200; fails at once, with its last lines, if `program` exits. */
  private async ready(program: ChildProgram, url: string, timeoutMs: number, what: string): Promise<void> {
    const exited = program.exited.then((exit) => {
      throw new Error(`${program.name} exited (${describeExit(exit)})\n${program.lastLines(15)}`);
    });
    exited.catch(() => undefined);
    await Promise.race([
      exited,
      waitUntil(
        async () => (await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2_000) })).ok,
        timeoutMs,
        what,
      ),
    ]);
  }

  /** SIGKILL: the instance dies mid-whatever, as a crashed host would. */
  async killInstance(instance: CloudInstance): Promise<void> {
    await instance.program?.kill();
    instance.program = undefined;
  }

  private async startLoadBalancer(): Promise<void> {
    const port = this.options.port || (await freePort());
    const configFile = join(this.options.dir, 'haproxy.cfg');
    const statsSocket = join(this.options.dir, 'haproxy.sock');
    writeFileSync(
      configFile,
      haproxyConfig(
        port,
        this.instances.map((i) => ({ name: i.id, port: i.port })),
        statsSocket,
      ),
    );
    this.loadBalancer = this.processes.start({
      name: 'haproxy',
      command: HAPROXY,
      // -db: in the foreground, logging to stderr (the run's log).
      args: ['-f', configFile, '-db'],
      logFile: join(this.options.logsDir, 'haproxy.log'),
      env: productEnv(),
    });
    this.url = `http://127.0.0.1:${port}`;
    await this.ready(this.loadBalancer, this.url, 30_000, 'HAProxy to pass requests to the cloud');
    // HAProxy counts every server up until its first check, spread over the first second: requests
    // meanwhile go to instances not started yet (each retry to another one may still find one).
    const stopped = this.instances.filter((instance) => !instance.program).map((instance) => instance.id);
    if (stopped.length > 0)
      await waitUntil(
        async () => {
          const states = await haproxyServerStates(statsSocket);
          return stopped.every((id) => states.get(id)?.startsWith('DOWN'));
        },
        10_000,
        'HAProxy to find the instances not started down',
      );
  }

  private async createStore(): Promise<void> {
    const store = await this.api.api.stores.create({ name: 'Магазин (кластер)', timezone: 'Asia/Almaty' });
    this.storeId = store.id;
    const taxTable = [{ percent: 12, name: 'НДС 12%' }];
    const ikkm = await this.api.api.registers.create({
      storeId: store.id,
      name: 'iKKM (кластер)',
      currency: 'KZT',
      device: { kind: 'ikkm', url: this.ikkm.url, initialKey: '11112222', minRequestIntervalMs: 0 },
      taxTable,
    });
    const cashCore = await this.api.api.registers.create({
      storeId: store.id,
      name: 'Cash core (кластер)',
      currency: 'KZT',
      device: { kind: 'cash-core', url: this.cashCore.url, accessCode: CASH_CORE_PIN, kkmOfdId: KKM_OFD_ID },
      taxTable,
    });
    for (const [kind, register] of [
      ['ikkm', ikkm],
      ['cash-core', cashCore],
    ] as const) {
      const { key } = await this.api.api.posKeys.create({ registerId: register.id, name: 'cluster POS' });
      this.registers.push({ kind, id: register.id, posKey: key });
    }
  }

  get agentConfigPath(): string {
    return join(this.options.dir, 'agent', 'agent.json');
  }

  /** `kassa-agent enroll` through the load balancer, as a store PC runs it. */
  private async enrollAgent(): Promise<void> {
    const { token } = await this.api.api.agents.createEnrollmentToken({
      storeId: this.storeId,
      name: 'cluster agent',
      ttlHours: 1,
    });
    mkdirSync(join(this.options.dir, 'agent'), { recursive: true });
    this.agentId = await enrollAgent({
      cloudUrl: this.url,
      token,
      configPath: this.agentConfigPath,
      dataDir: join(this.options.dir, 'agent', 'data'),
      name: `${this.options.label}-agent`,
      adjust: (config) => {
        config.mqtt['reconnectMinMs'] = 200;
        config.mqtt['reconnectMaxMs'] = 2_000;
        config['http'] = { host: '127.0.0.1', port: 0 };
        config['logLevel'] = this.options.logLevel;
        // Heartbeats often enough to watch them flow (the agent's default is every 15 s).
        config['heartbeatIntervalSec'] = 2;
      },
    });
  }

  startAgent(): ChildProgram {
    this.agent = this.processes.start({
      name: 'agent',
      command: process.execPath,
      args: ['--import', 'tsx', join(repoRoot, 'apps/agent/src/main.ts'), '--config', this.agentConfigPath],
      cwd: repoRoot,
      logFile: join(this.options.logsDir, 'agent.log'),
      env: productEnv(),
    });
    return this.agent;
  }

  async agentOnline(): Promise<boolean> {
    const agents = await this.api.api.agents.list();
    return agents.some((agent) => agent.id === this.agentId && agent.online);
  }

  async stop(): Promise<void> {
    await this.processes.stopAll();
  }
}
