import { join } from 'node:path';
import type { createRegisterBody, Wire } from '@kassa-relay/admin-api';
import {
  CASH_CORE_PIN,
  type ChildProgram,
  freePort,
  KKM_OFD_ID,
  ProductWorld,
  productEnv,
  type RegisterKind,
  repoRoot,
  sleep,
} from '@kassa-relay/testing';
import { PartitionProxy } from './proxy';

const ADMIN = { email: 'chaos@example.kz', password: 'chaos-soak-password-42' };
/** A new iKKM's web-api key (it rotates with every registration). */
const IKKM_INITIAL_KEY = '12345678';

export type { RegisterKind };

export interface WorldTuning {
  /** The agent's per-register device timeout (`timeoutMs` in its config file). */
  driverTimeoutMs: number;
  /** The cash core's `processingWindowMs` (register device config). */
  processingWindowMs: number;
  /** KASSA_POS_WAIT_MS: how long `/sale` waits for the register before answering code 5. */
  posWaitMs: number;
  /** The agent's `reconcileRetryMaxMs`. */
  reconcileRetryMaxMs: number;
  heartbeatIntervalSec: number;
  keepaliveSec: number;
}

/** A part of the product the soak runs as its own process. */
export type Part = 'cloud' | 'agent' | RegisterKind;

/** A process that ended without the soak ending it: a finding of its own. */
export interface UnexpectedExit {
  part: Part;
  at: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  lastLines: string;
}

export interface ChaosRegister {
  kind: RegisterKind;
  id: string;
  posKey: string;
  simUrl: string;
}

/**
 * The product on 127.0.0.1, each part a process the soak can kill and start again on the same
 * ports and state: the cloud (embedded PostgreSQL and broker), one agent (its broker link through
 * a `PartitionProxy`), an iKKM simulator and a cash-core simulator. The organisation is made
 * through the admin API and the agent enrolled with `kassa-agent enroll`, as in a store.
 */
export class ChaosWorld extends ProductWorld<ChaosRegister> {
  proxy!: PartitionProxy;
  readonly sims = new Map<RegisterKind, ChildProgram>();
  private readonly simPorts = { ikkm: 0, cashCore: 0 };
  private storeId = '';
  /** Starts of each part, for the report. */
  readonly starts: Record<Part, number> = { cloud: 0, agent: 0, ikkm: 0, 'cash-core': 0 };
  readonly unexpectedExits: UnexpectedExit[] = [];
  /** Processes the soak itself ends (a kill, a stop): their exit is no finding. */
  private readonly ending = new WeakSet<ChildProgram>();
  /** Processes armed to crash themselves (KASSA_AGENT_CRASH_AT): a SIGKILL exit is expected. */
  private readonly armed = new WeakSet<ChildProgram>();
  private readonly locks = new Map<Part, Promise<unknown>>();
  private stopping = false;

  constructor(
    dir: string,
    private readonly tuning: WorldTuning,
    private readonly say: (line: string) => void,
  ) {
    super({
      dir,
      logsDir: join(dir, 'logs'),
      admin: ADMIN,
      logLevel: 'info',
      posWaitMs: tuning.posWaitMs,
      apiTimeoutMs: 20_000,
      label: 'chaos',
    });
    this.processes.onCleanup(() => this.proxy?.close());
  }

  async start(): Promise<void> {
    await this.allocatePorts();
    this.simPorts.ikkm = await freePort();
    this.simPorts.cashCore = await freePort();
    await Promise.all([this.startSim('ikkm'), this.startSim('cash-core')]);
    this.say(`simulators: iKKM ${this.simUrl('ikkm')}, cash core ${this.simUrl('cash-core')}`);
    await this.startCloud();
    this.say(`cloud: ${this.cloudUrl} (embedded PostgreSQL :${this.ports.pg}, broker :${this.ports.mqtt})`);
    await this.signIn();
    await this.createOrganisation();
    this.proxy = new PartitionProxy('127.0.0.1', this.ports.mqtt);
    await this.proxy.start();
    await this.enroll();
    await this.startAgent();
    await this.waitAgentOnline(60_000);
    for (const register of this.registers)
      register.posKey = (
        await this.api.api.posKeys.create({ registerId: register.id, name: 'chaos POS' })
      ).key;
    this.say(`agent ${this.agentId} online through the proxy :${this.proxy.port}`);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.processes.stopAll(5_000);
  }

  /**
   * Runs `step` alone for `part`: a fault's kill-and-restart and the restart of a process that
   * died on its own never interleave.
   */
  withPart<T>(part: Part, step: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(part) ?? Promise.resolve();
    const run = previous.then(step, step);
    this.locks.set(
      part,
      run.catch(() => undefined),
    );
    return run;
  }

  /**
   * Watches a started process: one that ends without the soak ending it is recorded and started
   * again (a store's service manager would restart it too).
   */
  private supervise(part: Part, process: ChildProgram, current: () => ChildProgram | undefined): void {
    void process.exited.then(({ code, signal }) => {
      if (this.stopping || this.ending.has(process)) return;
      if (this.armed.has(process) && signal === 'SIGKILL') return;
      this.unexpectedExits.push({ part, at: Date.now(), code, signal, lastLines: process.lastLines(30) });
      this.say(`!! ${part} exited on its own (${signal ?? `code ${code}`}); starting it again`);
      void this.withPart(part, async () => {
        if (this.stopping || current() !== process) return;
        await sleep(1_000);
        if (part === 'cloud') await this.startCloud();
        else if (part === 'agent') await this.startAgent();
        else await this.startSim(part);
      }).catch((error: Error) => this.say(`!! could not start ${part} again: ${error.message}`));
    });
  }

  /** Ends a process on purpose: SIGKILL (`crash`) or SIGTERM with a grace period. */
  private async end(process: ChildProgram | undefined, how: 'crash' | 'stop'): Promise<void> {
    if (!process) return;
    this.ending.add(process);
    if (how === 'crash') await process.kill();
    else await process.stop();
  }

  simUrl(kind: RegisterKind): string {
    return `http://127.0.0.1:${kind === 'ikkm' ? this.simPorts.ikkm : this.simPorts.cashCore}`;
  }

  // ---- simulators ----

  async startSim(kind: RegisterKind): Promise<void> {
    const stateDir = join(this.dir, kind);
    const args =
      kind === 'ikkm'
        ? [
            '--import',
            'tsx',
            join(repoRoot, 'tools/ikkm-sim/src/main.ts'),
            '--port',
            String(this.simPorts.ikkm),
            '--key',
            IKKM_INITIAL_KEY,
            '--state-dir',
            stateDir,
            // no --accept-decimals: a strict device; the soak sends whole tenge only
          ]
        : [
            '--import',
            'tsx',
            join(repoRoot, 'tools/cash-core-sim/src/main.ts'),
            '--port',
            String(this.simPorts.cashCore),
            '--state-dir',
            stateDir,
            '--admin-pin',
            CASH_CORE_PIN,
          ];
    const sim = this.processes.start({
      name: `${kind}-sim`,
      command: process.execPath,
      args,
      cwd: repoRoot,
      env: productEnv(),
      logFile: join(this.logsDir, `${kind}-sim.log`),
    });
    this.sims.set(kind, sim);
    this.starts[kind] += 1;
    this.supervise(kind, sim, () => this.sims.get(kind));
    await sim.waitForLine(/listening on http/, 60_000);
  }

  async sim<T>(
    kind: RegisterKind,
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: object,
  ): Promise<T> {
    const response = await fetch(`${this.simUrl(kind)}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`${kind} ${method} ${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  // ---- cloud ----

  /** Every start of the cloud or the agent is counted and supervised. */
  protected override started(part: 'cloud' | 'agent', program: ChildProgram): void {
    this.starts[part] += 1;
    this.supervise(part, program, () => (part === 'cloud' ? this.cloud : this.agent));
  }

  /** SIGKILL: the cloud and its embedded broker vanish at once (its PostgreSQL keeps running). */
  async killCloud(): Promise<void> {
    await this.end(this.cloud, 'crash');
  }

  // ---- agent ----

  /**
   * Starts the agent; with `crashAt` (KASSA_AGENT_CRASH_AT, apps/agent/src/operations/crash-points.ts)
   * it SIGKILLs itself the first time a command reaches that journal step.
   */
  async startAgent(crashAt?: string): Promise<ChildProgram> {
    const agent = this.spawnAgent(crashAt ? { KASSA_AGENT_CRASH_AT: crashAt } : {});
    if (crashAt) this.armed.add(agent);
    await agent.waitForLine(/"msg":"agent started"/, 60_000);
    return agent;
  }

  async killAgent(): Promise<void> {
    await this.end(this.agent, 'crash');
  }

  /** SIGTERM: the agent's own clean stop (a service restart). */
  async stopAgent(): Promise<void> {
    await this.end(this.agent, 'stop');
  }

  // ---- organisation ----

  private async createOrganisation(): Promise<void> {
    const store = await this.api.api.stores.create({
      name: 'Chaos store',
      timezone: 'Asia/Almaty',
    });
    const taxTable = [{ percent: 12, name: 'НДС 12%' }];
    const ikkm = await this.api.api.registers.create({
      storeId: store.id,
      name: 'iKKM (chaos)',
      currency: 'KZT',
      device: this.ikkmDevice(IKKM_INITIAL_KEY),
      taxTable,
    });
    const cashCore = await this.api.api.registers.create({
      storeId: store.id,
      name: 'cash core (chaos)',
      currency: 'KZT',
      device: {
        kind: 'cash-core',
        url: this.simUrl('cash-core'),
        accessCode: CASH_CORE_PIN,
        kkmOfdId: KKM_OFD_ID,
        processingWindowMs: this.tuning.processingWindowMs,
      },
      taxTable,
    });
    this.registers = [
      { kind: 'ikkm', id: ikkm.id, posKey: '', simUrl: this.simUrl('ikkm') },
      { kind: 'cash-core', id: cashCore.id, posKey: '', simUrl: this.simUrl('cash-core') },
    ];
    this.storeId = store.id;
  }

  ikkmDevice(initialKey: string): Wire<typeof createRegisterBody>['device'] {
    return { kind: 'ikkm', url: this.simUrl('ikkm'), initialKey, minRequestIntervalMs: 0 };
  }

  /** `kassa-agent enroll` as a store PC runs it; then the soak's tuning and the proxy in its config. */
  private async enroll(): Promise<void> {
    await this.enrollAgent(this.storeId, 60_000, (config) => {
      config.mqtt['url'] = `mqtt://127.0.0.1:${this.proxy.port}`;
      config.mqtt['keepaliveSec'] = this.tuning.keepaliveSec;
      config['heartbeatIntervalSec'] = this.tuning.heartbeatIntervalSec;
      config['reconcileRetryMaxMs'] = this.tuning.reconcileRetryMaxMs;
      // Set by hand on the store PC, kept over the cloud's register lists (docs/agent.md).
      config['registers'] = (config['registers'] as Record<string, unknown>[]).map((r) => ({
        ...r,
        timeoutMs: this.tuning.driverTimeoutMs,
      }));
    });
  }
}
