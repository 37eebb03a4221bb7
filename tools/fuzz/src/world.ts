import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCashCoreSimulator } from '@kassa-relay/cash-core-sim';
import { startIkkmSimulator } from '@kassa-relay/ikkm-sim';
import {
  CASH_CORE_PIN,
  type ChildProgram,
  KKM_OFD_ID,
  type ProductRegister,
  ProductWorld,
  type RegisterKind,
  saleBody,
  sleep,
  stopPostgres,
  waitUntil,
} from '@kassa-relay/testing';

export const ADMIN = { email: 'fuzz@example.kz', password: 'fuzz-hostile-input-42' };
const IKKM_KEY = '11112222';
const TAX_TABLE = [{ percent: 12, name: 'НДС 12%' }];
const FORGERS = 3;

export type { RegisterKind };

export type FuzzRegister = ProductRegister;

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

/** The cloud's POS waits in the fuzz world, pinned so the fuzzer knows its longest promised answer. */
export interface FuzzTuning {
  /** KASSA_POS_WAIT_MS: how long a POS command may take to start. */
  posWaitMs: number;
  /** KASSA_POS_RESULT_WAIT_MS: how much longer the answer waits once the command may have started. */
  posResultWaitMs: number;
}

/**
 * How long a POS request (`/sale`, a `/ws` frame, a socket.io `/pos` event) may go unanswered before
 * the fuzzer calls it a finding: the cloud's own bound (start window plus result wait) and room for
 * a loaded machine. Waiting less reports a slow but promised answer as none.
 */
export function posAnswerWithinMs(tuning: FuzzTuning): number {
  return tuning.posWaitMs + tuning.posResultWaitMs + 25_000;
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
export class FuzzWorld extends ProductWorld<FuzzRegister> {
  ikkm!: { url: string; close(): Promise<void> };
  cashCore!: { url: string; close(): Promise<void> };
  organisationId = '';
  storeId = '';
  decoyStoreId = '';
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

  constructor(
    private readonly say: (line: string) => void = () => undefined,
    tuning: FuzzTuning = { posWaitMs: 5_000, posResultWaitMs: 10_000 },
  ) {
    const dir = mkdtempSync(join(tmpdir(), 'kassa-fuzz-'));
    // As root the embedded PostgreSQL runs as `postgres`, which must reach its data directory.
    chmodSync(dir, 0o755);
    super({
      dir,
      // Logs outlive the run (the data directory does not): a finding's cloud log can be read afterwards.
      logsDir: mkdtempSync(join(tmpdir(), 'kassa-fuzz-logs-')),
      admin: ADMIN,
      logLevel: 'warn',
      posWaitMs: tuning.posWaitMs,
      cloudEnv: { KASSA_POS_RESULT_WAIT_MS: String(tuning.posResultWaitMs) },
      label: 'fuzz',
    });
  }

  /** The admin's bearer token (the fuzzer sends it with hostile admin requests). */
  get adminToken(): string {
    return this.api.token;
  }

  async start(): Promise<void> {
    await this.allocatePorts();
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
    await this.signIn();
    await this.createOrganisation();
    await this.enrollAgent(this.storeId, 90_000, (config) => {
      config['heartbeatIntervalSec'] = 5;
    });
    await this.startAgent();
    for (const register of this.registers)
      register.posKey = (
        await this.api.api.posKeys.create({
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

  protected override started(part: 'cloud' | 'agent', program: ChildProgram): void {
    if (part !== 'cloud') return;
    this.cloudStarts += 1;
    program.onLine((line) => this.onCloudLine?.(line));
  }

  /** After a crash: PostgreSQL may be left running; the cloud starts again on the same ports and data. */
  async restartCloud(): Promise<void> {
    await this.cloud?.stop(5_000);
    stopPostgres(this.postgresDir);
    await this.startCloud();
    await this.signIn();
    await this.waitAgentOnline(60_000);
  }

  // ---- the organisation ----

  private async createOrganisation(): Promise<void> {
    this.organisationId = (await this.api.api.auth.me()).organisationId;
    const store = await this.api.api.stores.create({
      name: 'Fuzz store',
      address: 'Алматы, пр. Абая, 1',
      timezone: 'Asia/Almaty',
    });
    this.storeId = store.id;
    const ikkm = await this.api.api.registers.create({
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
    const cashCore = await this.api.api.registers.create({
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

  async startAgent(): Promise<void> {
    const agent = this.spawnAgent();
    await waitUntil(
      async () => (await fetch(this.agentHealthUrl, { signal: AbortSignal.timeout(2_000) })).ok,
      90_000,
      'the agent to answer /health',
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${agent.lastLines()}`);
    });
    await this.waitAgentOnline(60_000);
  }

  /**
   * The decoy store: a register whose agent (`owner`) never connects, with three /sale documents
   * queued for it (pending for the whole run), and a register for each forger. Plus objects that
   * exist only to be targets: a spare admin user, an operator, a revoked POS key.
   */
  private async createDecoys(): Promise<void> {
    const store = await this.api.api.stores.create({ name: 'Decoy store' });
    this.decoyStoreId = store.id;
    const decoyRegister = async (name: string) =>
      (
        await this.api.api.registers.create({
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
      await this.api.api.posKeys.create({
        registerId: this.owner.registerId,
        name: 'decoy POS',
      })
    ).key;
    for (let i = 1; i <= 3; i += 1) {
      const response = await fetch(`${this.cloudUrl}/sale`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.ownerPosKey}` },
        body: JSON.stringify(saleBody(`QUEUED-${i}`, 1000 * i, { docTime: '2026-01-02 10:00:00' })),
      });
      await response.text();
    }
    const user = await this.api.api.users.create({
      email: 'spare@example.kz',
      password: 'spare-user-password-1',
      role: 'viewer',
    });
    this.spareUserId = user.id;
    const operator = await this.api.api.operators.create({
      name: 'Запасной кассир',
      role: 'cashier',
      registerIds: [],
    });
    this.spareOperatorId = operator.id;
    const revoked = await this.api.api.posKeys.create({
      registerId: this.register('ikkm').id,
      name: 'revoked POS',
    });
    await this.api.api.posKeys.revoke(revoked.id);
    this.revokedPosKey = revoked.key;
  }

  private async enrollDirect(registerId: string, name: string): Promise<EnrolledAgent> {
    const { token } = await this.api.api.agents.createEnrollmentToken({
      storeId: this.decoyStoreId,
      name,
      ttlHours: 1,
    });
    const enrollment = await this.api.api.enrollment.enroll({ token, hostname: name });
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
    await this.processes.stopAll();
    for (const sim of [this.ikkm, this.cashCore]) await sim?.close().catch(() => undefined);
    await sleep(100);
    if (!keepDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
