import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startCashCoreSimulator } from '@kassa-relay/cash-core-sim';
import { startIkkmSimulator } from '@kassa-relay/ikkm-sim';
import { ChildProgram, freePort, sleep, stopPostgres, waitUntil } from './processes';

export const repoRoot = resolve(__dirname, '../../..');

export const ADMIN = { email: 'fuzz@example.kz', password: 'fuzz-hostile-input-42' };
const IKKM_KEY = '11112222';
const CASH_CORE_PIN = '0000';
const KKM_OFD_ID = 6923;
const TAX_TABLE = [{ percent: 12, name: 'НДС 12%' }];
const FORGERS = 3;

export type RegisterKind = 'ikkm' | 'cash-core';

export interface FuzzRegister {
  kind: RegisterKind;
  id: string;
  posKey: string;
}

/** An agent enrolled by the fuzzer itself (`POST /api/agents/enroll`), never run: its credentials are the fuzzer's. */
export interface EnrolledAgent {
  agentId: string;
  username: string;
  password: string;
  registerId: string;
}

export interface SimJournalEntry {
  kind: string;
  [field: string]: unknown;
}

/**
 * The product on 127.0.0.1: the cloud as a process (embedded PostgreSQL and broker), one real
 * agent process (`kassa-agent enroll`, then `kassa-agent --config`) driving an iKKM and a cash-core
 * simulator (in this process), all made through the admin API as an office would.
 *
 * Besides the real store, a decoy store holds two more agents the fuzzer enrolled itself and never
 * runs: the `forgers` (whose MQTT credentials the fuzzer uses to forge results, heartbeats and
 * publishes to other agents' topics) and `owner` (offline for good: its register's /sale documents
 * stay pending, the targets forged results must not settle).
 */
export class FuzzWorld {
  readonly dir: string;
  readonly logsDir: string;
  readonly secretKey = randomBytes(32).toString('hex');
  readonly ports = { http: 0, mqtt: 0, pg: 0, agent: 0 };
  cloudUrl = '';
  cloud: ChildProgram | undefined;
  agent: ChildProgram | undefined;
  ikkm!: { url: string; close(): Promise<void> };
  cashCore!: { url: string; close(): Promise<void> };
  adminToken = '';
  organisationId = '';
  storeId = '';
  decoyStoreId = '';
  agentId = '';
  registers: FuzzRegister[] = [];
  /** Agents whose credentials the fuzzer forges with (several, so that forger sessions run side by side). */
  forgers: EnrolledAgent[] = [];
  owner!: EnrolledAgent;
  /** A POS key for the owner's register (its /sale documents stay pending). */
  ownerPosKey = '';
  /** A user that exists only to be the target of user routes. */
  spareUserId = '';
  spareOperatorId = '';
  revokedPosKey = '';
  cloudStarts = 0;
  /** Called with every line the cloud prints (each start). */
  onCloudLine: ((line: string) => void) | undefined;
  private readonly agentConfigPath: string;

  constructor(
    private readonly say: (line: string) => void = () => undefined,
    private readonly tuning: { posWaitMs: number } = { posWaitMs: 5_000 },
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'kassa-fuzz-'));
    // As root the embedded PostgreSQL runs as `postgres`, which must reach its data directory.
    chmodSync(this.dir, 0o755);
    // Logs outlive the run (the data directory does not): a finding's cloud log can be read afterwards.
    this.logsDir = mkdtempSync(join(tmpdir(), 'kassa-fuzz-logs-'));
    mkdirSync(this.logsDir, { recursive: true });
    this.agentConfigPath = join(this.dir, 'agent', 'agent.json');
  }

  get databaseUrl(): string {
    return `postgresql://postgres@127.0.0.1:${this.ports.pg}/kassa_relay`;
  }

  register(kind: RegisterKind): FuzzRegister {
    const found = this.registers.find((r) => r.kind === kind);
    if (!found) throw new Error(`no ${kind} register`);
    return found;
  }

  async start(): Promise<void> {
    for (const key of Object.keys(this.ports) as (keyof typeof this.ports)[])
      this.ports[key] = await freePort();
    this.ikkm = await startIkkmSimulator({
      port: 0,
      key: IKKM_KEY,
      stateDir: join(this.dir, 'ikkm'),
      acceptDecimals: true,
    });
    this.cashCore = await startCashCoreSimulator({
      port: 0,
      stateDir: join(this.dir, 'cash-core'),
      adminPin: CASH_CORE_PIN,
    });
    this.say(`simulators: iKKM ${this.ikkm.url}, cash core ${this.cashCore.url}`);
    await this.startCloud();
    this.say(
      `cloud: ${this.cloudUrl} (pid ${this.cloud?.pid}, PostgreSQL :${this.ports.pg}, broker :${this.ports.mqtt})`,
    );
    this.adminToken = await this.login();
    await this.createOrganisation();
    await this.enrollAgent();
    await this.startAgent();
    for (const register of this.registers)
      register.posKey = (
        await this.api<{ key: string }>('POST', '/api/pos-keys', {
          registerId: register.id,
          name: 'fuzz POS',
        })
      ).key;
    await this.createDecoys();
    this.say(
      `agent ${this.agentId} online; forgers ${this.forgers.map((f) => f.agentId).join(', ')}; offline owner ${this.owner.agentId}`,
    );
  }

  // ---- the cloud ----

  async startCloud(): Promise<void> {
    const cloud = ChildProgram.start(
      'cloud',
      ['-r', '@swc-node/register', join(repoRoot, 'apps/cloud/src/main.ts')],
      {
        cwd: repoRoot,
        logFile: join(this.logsDir, 'cloud.log'),
        env: {
          HOST: '127.0.0.1',
          PORT: String(this.ports.http),
          KASSA_DATA_DIR: join(this.dir, 'cloud'),
          KASSA_PG_PORT: String(this.ports.pg),
          KASSA_MQTT_HOST: '127.0.0.1',
          KASSA_MQTT_PORT: String(this.ports.mqtt),
          KASSA_SECRET_KEY: this.secretKey,
          KASSA_ADMIN_EMAIL: ADMIN.email,
          KASSA_ADMIN_PASSWORD: ADMIN.password,
          KASSA_POS_WAIT_MS: String(this.tuning.posWaitMs),
          LOG_LEVEL: 'warn',
        },
      },
    );
    this.cloud = cloud;
    this.cloudStarts += 1;
    cloud.lineListeners.add((line) => this.onCloudLine?.(line));
    this.cloudUrl = `http://127.0.0.1:${this.ports.http}`;
    const exited = cloud.exited.then(({ code, signal }) => {
      throw new Error(`the cloud exited (${signal ?? `code ${code}`}) while starting\n${cloud.lastLines()}`);
    });
    exited.catch(() => undefined);
    await Promise.race([
      exited,
      waitUntil(
        async () => (await fetch(`${this.cloudUrl}/health/ready`, { signal: AbortSignal.timeout(2_000) })).ok,
        180_000,
        'the cloud to be ready',
      ),
    ]);
  }

  /** After a crash: PostgreSQL may be left running; the cloud starts again on the same ports and data. */
  async restartCloud(): Promise<void> {
    await this.cloud?.stop(5_000);
    stopPostgres(join(this.dir, 'cloud', 'postgres'));
    await this.startCloud();
    this.adminToken = await this.login();
    await this.waitAgentOnline(60_000);
  }

  async login(): Promise<string> {
    const answer = await this.api<{ token: string }>('POST', '/api/auth/login', ADMIN, false);
    return answer.token;
  }

  /** One admin API call that must succeed. */
  async api<T>(method: string, path: string, body?: object, auth = true): Promise<T> {
    const response = await fetch(`${this.cloudUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(auth ? { authorization: `Bearer ${this.adminToken}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  // ---- the organisation ----

  private async createOrganisation(): Promise<void> {
    const me = await this.api<{ organisationId?: string; org?: string }>('GET', '/api/auth/me');
    this.organisationId = me.organisationId ?? me.org ?? '';
    const store = await this.api<{ id: string }>('POST', '/api/stores', {
      name: 'Fuzz store',
      address: 'Алматы, пр. Абая, 1',
      timezone: 'Asia/Almaty',
    });
    this.storeId = store.id;
    const ikkm = await this.api<{ id: string }>('POST', '/api/registers', {
      storeId: store.id,
      name: 'iKKM (fuzz)',
      currency: 'KZT',
      device: {
        kind: 'ikkm',
        url: this.ikkm.url,
        initialKey: IKKM_KEY,
        minRequestIntervalMs: 0,
        acceptsDecimals: true,
      },
      taxTable: TAX_TABLE,
    });
    const cashCore = await this.api<{ id: string }>('POST', '/api/registers', {
      storeId: store.id,
      name: 'cash core (fuzz)',
      currency: 'KZT',
      device: { kind: 'cash-core', url: this.cashCore.url, accessCode: CASH_CORE_PIN, kkmOfdId: KKM_OFD_ID },
      taxTable: TAX_TABLE,
    });
    this.registers = [
      { kind: 'ikkm', id: ikkm.id, posKey: '' },
      { kind: 'cash-core', id: cashCore.id, posKey: '' },
    ];
  }

  /** `kassa-agent enroll` as a store PC runs it, then the config made local (own health port, fast heartbeats). */
  private async enrollAgent(): Promise<void> {
    const { token } = await this.api<{ token: string }>('POST', '/api/enrollment-tokens', {
      storeId: this.storeId,
      name: 'fuzz agent',
      ttlHours: 1,
    });
    mkdirSync(join(this.dir, 'agent'), { recursive: true });
    await new Promise<void>((resolvePromise, reject) =>
      execFile(
        process.execPath,
        [
          '--import',
          'tsx',
          join(repoRoot, 'apps/agent/src/main.ts'),
          'enroll',
          '--cloud',
          this.cloudUrl,
          '--token',
          token,
          '--config',
          this.agentConfigPath,
          '--data-dir',
          join(this.dir, 'agent', 'data'),
          '--name',
          'fuzz-agent',
        ],
        { cwd: repoRoot, timeout: 90_000 },
        (error, _stdout, stderr) =>
          error
            ? reject(new Error(`kassa-agent enroll failed: ${error.message}\n${stderr}`))
            : resolvePromise(),
      ),
    );
    const config = JSON.parse(readFileSync(this.agentConfigPath, 'utf8')) as Record<string, unknown>;
    this.agentId = config['agentId'] as string;
    const mqtt = config['mqtt'] as Record<string, unknown>;
    mqtt['reconnectMinMs'] = 200;
    mqtt['reconnectMaxMs'] = 2_000;
    config['http'] = { host: '127.0.0.1', port: this.ports.agent };
    config['heartbeatIntervalSec'] = 5;
    config['logLevel'] = 'warn';
    writeFileSync(this.agentConfigPath, JSON.stringify(config, null, 2), { mode: 0o600 });
  }

  async startAgent(): Promise<void> {
    const agent = ChildProgram.start(
      'agent',
      ['--import', 'tsx', join(repoRoot, 'apps/agent/src/main.ts'), '--config', this.agentConfigPath],
      { cwd: repoRoot, logFile: join(this.logsDir, 'agent.log'), env: {} },
    );
    this.agent = agent;
    await waitUntil(
      async () =>
        (await fetch(`http://127.0.0.1:${this.ports.agent}/health`, { signal: AbortSignal.timeout(2_000) }))
          .ok,
      90_000,
      'the agent to answer /health',
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${agent.lastLines()}`);
    });
    await this.waitAgentOnline(60_000);
  }

  async agentOnline(agentId = this.agentId): Promise<boolean> {
    const agents = await this.api<{ id: string; online: boolean }[]>('GET', '/api/agents');
    return agents.some((a) => a.id === agentId && a.online);
  }

  async waitAgentOnline(timeoutMs: number): Promise<void> {
    await waitUntil(() => this.agentOnline(), timeoutMs, `agent ${this.agentId} online in the cloud`);
  }

  /**
   * The decoy store: a register whose agent (`owner`) never connects, with three /sale documents
   * queued for it (pending for the whole run), and a register for each forger. Plus objects that
   * exist only to be targets: a spare admin user, an operator, a revoked POS key.
   */
  private async createDecoys(): Promise<void> {
    const store = await this.api<{ id: string }>('POST', '/api/stores', { name: 'Decoy store' });
    this.decoyStoreId = store.id;
    const decoyRegister = async (name: string) =>
      (
        await this.api<{ id: string }>('POST', '/api/registers', {
          storeId: store.id,
          name,
          currency: 'KZT',
          // Nothing listens there: the register is never reached (its agent never runs anyway).
          device: { kind: 'ikkm', url: 'http://127.0.0.1:9', initialKey: IKKM_KEY, minRequestIntervalMs: 0 },
          taxTable: TAX_TABLE,
        })
      ).id;
    this.owner = await this.enrollDirect(await decoyRegister('owner register'), 'owner');
    for (let i = 1; i <= FORGERS; i += 1)
      this.forgers.push(await this.enrollDirect(await decoyRegister(`forger register ${i}`), `forger-${i}`));
    this.ownerPosKey = (
      await this.api<{ key: string }>('POST', '/api/pos-keys', {
        registerId: this.owner.registerId,
        name: 'decoy POS',
      })
    ).key;
    for (let i = 1; i <= 3; i += 1) {
      const response = await fetch(`${this.cloudUrl}/sale`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.ownerPosKey}` },
        body: JSON.stringify({
          docTime: '2026-01-02 10:00:00',
          docNumber: `QUEUED-${i}`,
          employeeName: 'Иванова А.',
          amount: 1000 * i,
          currency: 'KZT',
          items: [{ itemId: '1', itemName: 'Кофе', itemQty: 1000, itemAmount: 1000 * i }],
          payments: { cashAmount: 1000 * i },
        }),
      });
      await response.text();
    }
    const user = await this.api<{ id: string }>('POST', '/api/users', {
      email: 'spare@example.kz',
      password: 'spare-user-password-1',
      role: 'viewer',
    });
    this.spareUserId = user.id;
    const operator = await this.api<{ id: string }>('POST', '/api/operators', {
      name: 'Запасной кассир',
      role: 'cashier',
      registerIds: [],
    });
    this.spareOperatorId = operator.id;
    const revoked = await this.api<{ id: string; key: string }>('POST', '/api/pos-keys', {
      registerId: this.register('ikkm').id,
      name: 'revoked POS',
    });
    await this.api('POST', `/api/pos-keys/${revoked.id}/revoke`);
    this.revokedPosKey = revoked.key;
  }

  private async enrollDirect(registerId: string, name: string): Promise<EnrolledAgent> {
    const { token } = await this.api<{ token: string }>('POST', '/api/enrollment-tokens', {
      storeId: this.decoyStoreId,
      name,
      ttlHours: 1,
    });
    const enrollment = await this.api<{ agentId: string; mqtt: { username: string; password: string } }>(
      'POST',
      '/api/agents/enroll',
      { token, hostname: name },
      false,
    );
    return {
      agentId: enrollment.agentId,
      username: enrollment.mqtt.username,
      password: enrollment.mqtt.password,
      registerId,
    };
  }

  // ---- simulators ----

  async journal(kind: RegisterKind): Promise<SimJournalEntry[]> {
    const url = kind === 'ikkm' ? this.ikkm.url : this.cashCore.url;
    const response = await fetch(`${url}/_sim/journal`, { signal: AbortSignal.timeout(15_000) });
    return ((await response.json()) as { entries: SimJournalEntry[] }).entries;
  }

  // ---- the end ----

  async stop(keepDir = false): Promise<void> {
    await this.agent?.stop(5_000).catch(() => undefined);
    await this.cloud?.stop(15_000).catch(() => undefined);
    stopPostgres(join(this.dir, 'cloud', 'postgres'));
    for (const sim of [this.ikkm, this.cashCore]) await sim?.close().catch(() => undefined);
    await sleep(100);
    if (!keepDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
