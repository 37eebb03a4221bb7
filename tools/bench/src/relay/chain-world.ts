import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DocumentDetails } from '@kassa-relay/admin-api';
import {
  AdminApi,
  type ChildProgram,
  enrollAgent,
  freePort,
  type ProcessGroup,
  postgresTool,
  stopPostgres,
  tempDir,
  waitUntil,
} from '@kassa-relay/testing';
import { type CpuSubject, processTree } from './processes';
import { ACCESS_CODE, KKM_OFD_ID } from './sale';

export const repoRoot = resolve(__dirname, '../../../..');

/** The flags the systemd unit runs the agent with (apps/agent/deploy/kassa-agent.service). */
export const AGENT_NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=64'];

const ADMIN = { email: 'bench@example.kz', password: 'bench-password-42' };

export interface ChainOptions {
  registers: number;
  agents: number;
  simProcesses: number;
  /** When set, the cloud and the agents run with `--cpu-prof` into `<dir>/cloud`, `<dir>/agent-N`. */
  profileDir?: string;
}

export interface BenchRegister {
  id: string;
  /** The simulator this register is (the direct baseline talks to it too). */
  simUrl: string;
  posKey: string;
  agentIndex: number;
}

/**
 * The whole product on 127.0.0.1, set up the way an operator would: the cloud process (embedded
 * PostgreSQL and broker), cash-core registers in simulator processes, and the organisation created
 * through the admin API — stores, registers, enrollment tokens, `kassa-agent enroll`, the bundled
 * agents started with the systemd unit's flags, POS keys.
 */
export class ChainWorld {
  readonly dir = tempDir('bench-relay-');
  cloudUrl = '';
  /** Signed in as the bootstrap admin once the cloud is up. */
  api!: AdminApi;
  cloud!: ChildProgram;
  agents: ChildProgram[] = [];
  simHosts: ChildProgram[] = [];
  registers: BenchRegister[] = [];
  private pgDataDir = '';
  private pgPort = 0;

  constructor(
    private readonly group: ProcessGroup,
    private readonly options: ChainOptions,
  ) {
    group.onCleanup(() => this.dir.remove());
  }

  async start(log: (line: string) => void): Promise<void> {
    log(
      `simulators: ${this.options.registers} cash-core registers in ${this.options.simProcesses} process(es)`,
    );
    const simUrls = await this.startSimulators();
    log('cloud: starting (embedded PostgreSQL, embedded broker)');
    await this.startCloud();
    this.api = new AdminApi(this.cloudUrl, ADMIN);
    await this.api.login();
    const { api } = this.api;
    log(`admin API: ${this.options.agents} store(s), ${this.options.registers} registers, enrollment`);
    const perAgent: { storeId: string; registerIds: string[] }[] = [];
    for (let a = 0; a < this.options.agents; a += 1) {
      const store = await api.stores.create({ name: `Bench store ${a + 1}`, timezone: 'Asia/Almaty' });
      perAgent.push({ storeId: store.id, registerIds: [] });
    }
    for (let i = 0; i < this.options.registers; i += 1) {
      const agentIndex = i % this.options.agents;
      const slot = perAgent[agentIndex] as { storeId: string; registerIds: string[] };
      const simUrl = simUrls[i] as string;
      const register = await api.registers.create({
        storeId: slot.storeId,
        name: `Касса ${i + 1}`,
        currency: 'KZT',
        device: { kind: 'cash-core', url: simUrl, accessCode: ACCESS_CODE, kkmOfdId: KKM_OFD_ID },
        taxTable: [{ percent: 12, name: 'НДС 12%' }],
      });
      slot.registerIds.push(register.id);
      this.registers.push({ id: register.id, simUrl, posKey: '', agentIndex });
    }
    const agentIds: string[] = [];
    for (let a = 0; a < this.options.agents; a += 1) {
      const { token } = await api.agents.createEnrollmentToken({
        storeId: perAgent[a]?.storeId as string,
        name: `bench agent ${a + 1}`,
        ttlHours: 1,
      });
      agentIds.push(await this.enroll(a, token));
    }
    log(`agents: starting ${this.options.agents} bundled agent(s) (node ${AGENT_NODE_FLAGS.join(' ')})`);
    for (let a = 0; a < this.options.agents; a += 1) this.startAgent(a);
    await waitUntil(
      async () => {
        const online = new Set((await api.agents.list()).filter((x) => x.online).map((x) => x.id));
        return agentIds.every((id) => online.has(id));
      },
      60_000,
      'every agent online in the cloud',
    );
    for (const register of this.registers)
      register.posKey = (await api.posKeys.create({ registerId: register.id, name: 'bench POS' })).key;
  }

  /** The newest fiscal document with the cloud's timings. */
  async latestDocument(): Promise<DocumentDetails> {
    const newest = (await this.api.api.documents.list({ limit: 1 })).items[0];
    if (!newest) throw new Error('the cloud has no document yet');
    return this.api.api.documents.get(newest.id);
  }

  private async startSimulators(): Promise<string[]> {
    const processes = Math.min(this.options.simProcesses, this.options.registers);
    const urls: string[] = [];
    for (let p = 0; p < processes; p += 1) {
      const count =
        Math.floor(this.options.registers / processes) + (p < this.options.registers % processes ? 1 : 0);
      const host = this.group.start({
        name: `sim-host ${p + 1}`,
        command: process.execPath,
        args: [
          '--import',
          'tsx',
          join(repoRoot, 'tools/bench/src/relay/sim-host.ts'),
          '--count',
          String(count),
          '--dir',
          join(this.dir.path, `sims-${p}`),
        ],
        cwd: repoRoot,
        env: process.env,
        tailLines: 200,
      });
      this.simHosts.push(host);
      const line = (await host.waitForLine(/^\{"sims":/, 60_000)).input ?? '';
      urls.push(...(JSON.parse(line) as { sims: string[] }).sims);
    }
    // Register i is simulator i.
    return urls;
  }

  private async startCloud(): Promise<void> {
    const [pgPort, mqttPort, httpPort] = [await freePort(), await freePort(), await freePort()];
    this.pgPort = pgPort;
    const dataDir = join(this.dir.path, 'cloud');
    this.pgDataDir = join(dataDir, 'postgres');
    // Registered before the cloud starts: a cloud that dies half-way must not leave PostgreSQL behind.
    this.group.onCleanup(() => stopPostgres(this.pgDataDir));
    this.cloud = this.group.start({
      name: 'cloud',
      command: process.execPath,
      args: [
        '-r',
        '@swc-node/register',
        ...this.profileFlags('cloud'),
        join(repoRoot, 'apps/cloud/src/main.ts'),
      ],
      cwd: repoRoot,
      tailLines: 200,
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: String(httpPort),
        KASSA_DATA_DIR: dataDir,
        KASSA_PG_PORT: String(pgPort),
        KASSA_MQTT_HOST: '127.0.0.1',
        KASSA_MQTT_PORT: String(mqttPort),
        KASSA_SECRET_KEY: randomBytes(32).toString('hex'),
        KASSA_ADMIN_EMAIL: ADMIN.email,
        KASSA_ADMIN_PASSWORD: ADMIN.password,
        LOG_LEVEL: 'warn',
      },
    });
    this.cloudUrl = `http://127.0.0.1:${httpPort}`;
    await waitUntil(
      async () => {
        if (this.cloud.child.exitCode !== null)
          throw new Error(`the cloud exited:\n${this.cloud.lastLines(200)}`);
        return (await fetch(`${this.cloudUrl}/health/ready`, { signal: AbortSignal.timeout(2_000) })).ok;
      },
      120_000,
      'the cloud to be ready (GET /health/ready)',
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${this.cloud.lastLines(200)}`);
    });
  }

  /** `kassa-agent enroll` exactly as the dashboard shows it; then log level warn and a free HTTP port. */
  private enroll(index: number, token: string): Promise<string> {
    return enrollAgent({
      cloudUrl: this.cloudUrl,
      token,
      configPath: this.agentConfigPath(index),
      name: `bench-agent-${index + 1}`,
      adjust: (config) => {
        // Heartbeat stays at its default; the operations endpoint must not collide with another agent.
        config['logLevel'] = 'warn';
        config['http'] = { host: '127.0.0.1', port: 0 };
      },
    });
  }

  private agentConfigPath(index: number): string {
    return join(this.dir.path, `agent-${index + 1}`, 'agent.json');
  }

  private startAgent(index: number): void {
    this.agents.push(
      this.group.start({
        name: `agent ${index + 1}`,
        command: process.execPath,
        args: [
          ...AGENT_NODE_FLAGS,
          ...this.profileFlags(`agent-${index + 1}`),
          join(repoRoot, 'apps/agent/dist/main.js'),
          '--config',
          this.agentConfigPath(index),
        ],
        cwd: repoRoot,
        env: process.env,
        tailLines: 200,
      }),
    );
  }

  private profileFlags(name: string): string[] {
    return this.options.profileDir
      ? ['--cpu-prof', `--cpu-prof-dir=${join(this.options.profileDir, name)}`]
      : [];
  }

  /** PostgreSQL's own counters for the cloud's database (`pg_stat_database`): commits and rows written. */
  pgCounters(): { commits: number; inserted: number; updated: number } {
    const out = execFileSync(
      postgresTool('psql'),
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(this.pgPort),
        '-U',
        'postgres',
        '-d',
        'kassa_relay',
        '-tAc',
        "SELECT xact_commit, tup_inserted, tup_updated FROM pg_stat_database WHERE datname = 'kassa_relay'",
      ],
      { encoding: 'utf8', timeout: 10_000 },
    );
    const [commits, inserted, updated] = out.trim().split('|').map(Number);
    return { commits: commits ?? NaN, inserted: inserted ?? NaN, updated: updated ?? NaN };
  }

  /** The processes whose CPU the report shows. */
  cpuSubjects(): CpuSubject[] {
    const postmaster = () => {
      try {
        return Number(readFileSync(join(this.pgDataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      } catch {
        return 0;
      }
    };
    return [
      { name: 'cloud', part: 'cloud', pids: () => [this.cloud.pid] },
      { name: 'PostgreSQL', part: 'PostgreSQL', pids: () => (postmaster() ? processTree(postmaster()) : []) },
      ...this.agents.map((agent) => ({ name: agent.name, part: 'agents' as const, pids: () => [agent.pid] })),
      ...this.simHosts.map((host) => ({
        name: `simulators (${host.name})`,
        part: 'harness' as const,
        pids: () => [host.pid],
      })),
      { name: 'load generator (this process)', part: 'harness', pids: () => [process.pid] },
    ];
  }
}
