import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative } from 'node:path';
import {
  AdminApi,
  buildSteps,
  type ChildProgram,
  dashboardIndex,
  runBuildStep,
  waitUntil,
} from '@kassa-relay/testing';
import { ChildFailure, readyLine, startDemoChild } from './child-failure';
import type { DemoSettings } from './settings';
import { type DemoSeedTargets, seedDemo } from './seed';
import {
  type DemoFile,
  type DemoPaths,
  demoPaths,
  type LauncherState,
  loadOrCreateLauncherState,
  readDemoFile,
} from './state';

/** The initial web-api key of the simulated iKKM (a new device); it rotates afterwards. */
const IKKM_INITIAL_KEY = '12345678';
const CASH_CORE_PIN = '0000';

/** Thrown into every pending start-up step when a stop is requested or a child dies. */
class Interrupted extends Error {
  override name = 'Interrupted';
}

/**
 * `npm start`: both simulators, the cloud (embedded PostgreSQL and broker) and one agent as child
 * processes, seeded on the first run through the admin API, stopped in order on Ctrl-C.
 */
export class DemoLauncher {
  private readonly paths: DemoPaths;
  private readonly abort = new AbortController();
  private readonly interrupted: Promise<never>;
  private interrupt!: (error: Interrupted) => void;
  private stopSignal: NodeJS.Signals | undefined;
  private failure: ChildFailure | undefined;
  private simulators: ChildProgram[] = [];
  private cloud: ChildProgram | undefined;
  private agent: ChildProgram | undefined;

  constructor(
    private readonly settings: DemoSettings,
    private readonly say: (line: string) => void,
  ) {
    this.paths = demoPaths(settings.stateDir);
    this.interrupted = new Promise<never>((_resolve, reject) => {
      this.interrupt = reject;
    });
    this.interrupted.catch(() => undefined);
  }

  /** Runs until stopped; the exit code: 0 after Ctrl-C / SIGTERM, 1 when something failed. */
  async run(): Promise<number> {
    let exitCode = 0;
    try {
      await this.start();
      await this.interrupted;
    } catch (error) {
      if (this.failure) {
        this.say(`\n✗ ${this.failure.message}`);
        exitCode = 1;
      } else if (!(error instanceof Interrupted)) {
        this.say(`\n✗ ${(error as Error).message}`);
        exitCode = 1;
      }
    }
    await this.stopAll();
    return exitCode;
  }

  /** Ctrl-C / SIGTERM: a second one while stopping changes nothing (npm forwards it again). */
  requestStop(signal: NodeJS.Signals): void {
    if (this.stopSignal || this.failure) return;
    this.stopSignal = signal;
    this.say(`\n${signal}: stopping the agent, the cloud and the simulators…`);
    this.abort.abort();
    this.interrupt(new Interrupted(signal));
  }

  /** The launcher itself is exiting abnormally: leave nothing running behind it. */
  killAll(): void {
    for (const child of [this.agent, this.cloud, ...this.simulators]) void child?.kill();
  }

  private async start(): Promise<void> {
    const { settings, paths } = this;
    mkdirSync(paths.stateDir, { recursive: true });
    this.say(`kassa-relay demo — state in ${this.shown(paths.stateDir)}`);
    if (settings.build) await this.build();
    const dashboardDir = existsSync(dashboardIndex(settings.repoRoot))
      ? dirname(dashboardIndex(settings.repoRoot))
      : undefined;

    const { state, created } = loadOrCreateLauncherState(paths, {
      ikkmPort: settings.ports.ikkm,
      cashCorePort: settings.ports.cashCore,
    });
    if (
      !created &&
      (state.ikkmPort !== settings.ports.ikkm || state.cashCorePort !== settings.ports.cashCore)
    )
      this.say(
        `  note: the registers point at the simulator ports of the first run (${state.ikkmPort}, ` +
          `${state.cashCorePort}); those are used`,
      );
    const demo = readDemoFile(paths);
    if (demo && !existsSync(paths.agentConfig))
      throw new Error(
        `${this.shown(paths.agentConfig)} is missing although the demo was set up: delete ` +
          `${this.shown(paths.stateDir)} to start afresh`,
      );
    await this.checkPortsFree(state);

    const [ikkm, cashCore] = await this.guard(
      Promise.all([this.startIkkmSimulator(state), this.startCashCoreSimulator(state)]),
    );
    this.say(`  ✓ iKKM simulator       ${ikkm.url}`);
    this.say(`  ✓ cash-core simulator  ${cashCore.url}`);
    const cloud = await this.guard(this.startCloud(state, dashboardDir));
    this.say(
      `  ✓ cloud                ${cloud.url}  (embedded PostgreSQL on ${settings.ports.postgres}, ` +
        `broker ${cloud.mqttUrl})`,
    );

    const admin = demo ?? state;
    const api = new AdminApi(cloud.url, { email: admin.adminEmail, password: admin.adminPassword });
    let outcome: DemoFile;
    let loggedIn = true;
    if (demo) {
      outcome = demo;
      await this.guard(this.startAgent(cloud.mqttUrl));
      loggedIn = await this.guard(
        api.login().then(
          () => true,
          () => false,
        ),
      );
    } else {
      this.say('  … first run: creating the demo organisation through the admin API');
      await this.guard(api.login());
      const targets: DemoSeedTargets = {
        ikkm: { url: ikkm.url, key: ikkm.key },
        cashCore: { url: cashCore.url, pin: CASH_CORE_PIN },
      };
      outcome = await this.guard(
        seedDemo({
          api,
          state,
          paths,
          targets,
          enroll: (token) => this.enroll(cloud.url, token),
          startAgent: () => this.startAgent(cloud.mqttUrl),
          say: this.say,
        }),
      );
    }
    const agentId = (JSON.parse(readFileSync(paths.agentConfig, 'utf8')) as { agentId: string }).agentId;
    if (loggedIn) await this.guard(this.waitAgentOnline(api, agentId));
    this.say(
      `  ✓ agent                ${agentId}  (health http://127.0.0.1:${settings.ports.agentHealth}/health)`,
    );
    if (settings.dev) await this.guard(this.startDashboardDev(cloud.url));
    this.printSummary(cloud.url, cloud.mqttUrl, outcome, Boolean(dashboardDir), loggedIn);
  }

  /** `npm run dev`: Vite serves the dashboard with hot reload and proxies the API and socket.io to the cloud. */
  private async startDashboardDev(cloudUrl: string): Promise<void> {
    const port = this.settings.dashboardDevPort;
    // The dashboard's own Vite (npm may install it under apps/dashboard or hoist it).
    const viteDir = dirname(
      createRequire(join(this.settings.repoRoot, 'apps/dashboard/package.json')).resolve('vite/package.json'),
    );
    const vite = this.spawnChild(
      'dashboard (vite)',
      'dashboard-dev',
      [
        join(viteDir, 'bin/vite.js'),
        'apps/dashboard',
        '--port',
        String(port),
        '--strictPort',
        '--host',
        '127.0.0.1',
      ],
      { ...process.env, KASSA_CLOUD_URL: cloudUrl },
    );
    this.simulators.push(vite);
    await readyLine(vite, /Local:.*http:\/\/127\.0\.0\.1:\d+/, 60_000);
    this.say(
      `  ✓ dashboard (hot reload) http://127.0.0.1:${port}/  (the cloud restarts when its code changes)`,
    );
  }

  private async build(): Promise<void> {
    const logFile = join(this.paths.logsDir, 'build.log');
    for (const step of buildSteps(this.settings.repoRoot)) {
      this.say(`  … building the ${step.what}`);
      try {
        await this.guard(runBuildStep(step, this.settings.repoRoot, logFile, this.abort.signal));
      } catch (error) {
        if (error instanceof Interrupted || step.what !== 'dashboard') throw error;
        // The cloud works without it: `/` then shows no dashboard, the API and POS work.
        this.say(`  ! ${(error as Error).message}\n  ! continuing without a fresh dashboard`);
      }
    }
  }

  private async startIkkmSimulator(state: LauncherState): Promise<{ url: string; key: string }> {
    const sim = this.spawnChild('iKKM simulator', 'ikkm-sim', [
      '--import',
      'tsx',
      'tools/ikkm-sim/src/main.ts',
      '--host',
      '127.0.0.1',
      '--port',
      String(state.ikkmPort),
      '--key',
      IKKM_INITIAL_KEY,
      '--state-dir',
      this.paths.ikkmDir,
      // Seed 000's and 001's examples have tiyn: the demo iKKM is one that takes them.
      '--accept-decimals',
    ]);
    this.simulators.push(sim);
    const match = await readyLine(sim, /listening on (http:\/\/\S+) key=(\d+)/, 60_000);
    return { url: match[1]!, key: match[2]! };
  }

  private async startCashCoreSimulator(state: LauncherState): Promise<{ url: string }> {
    const sim = this.spawnChild('cash-core simulator', 'cash-core-sim', [
      '--import',
      'tsx',
      'tools/cash-core-sim/src/main.ts',
      '--host',
      '127.0.0.1',
      '--port',
      String(state.cashCorePort),
      '--state-dir',
      this.paths.cashCoreDir,
      '--admin-pin',
      CASH_CORE_PIN,
    ]);
    this.simulators.push(sim);
    const match = await readyLine(sim, /listening on (http:\/\/\S+)/, 60_000);
    return { url: match[1]! };
  }

  private async startCloud(
    state: LauncherState,
    dashboardDir: string | undefined,
  ): Promise<{ url: string; mqttUrl: string }> {
    const { ports, host } = this.settings;
    const env = withoutInherited(process.env, /^(DATABASE_URL|MQTT_|KASSA_|PORT$|HOST$|LOG_LEVEL$)/);
    // The cloud's documented behaviour settings pass through (a user tries another POS wait or log
    // level on the demo); what the demo itself owns (ports, data dir, secrets, admin) does not.
    const passed = cloudSettingsFrom(process.env);
    for (const [name, value] of Object.entries(passed))
      this.say(`  · cloud setting from your environment: ${name}=${value}`);
    // `npm run dev`: Node restarts the cloud when its code or the shared libraries change.
    const watch = this.settings.dev
      ? [
          '--watch-path=apps/cloud/src',
          '--watch-path=libs/protocol/src',
          '--watch-path=libs/admin-api/src',
          '--watch-preserve-output',
        ]
      : [];
    this.cloud = this.spawnChild(
      'cloud',
      'cloud',
      [...watch, '-r', '@swc-node/register', 'apps/cloud/src/main.ts'],
      {
        ...env,
        LOG_LEVEL: 'info',
        ...passed,
        HOST: host,
        PORT: String(ports.http),
        KASSA_DATA_DIR: this.paths.cloudDir,
        KASSA_PG_PORT: String(ports.postgres),
        KASSA_MQTT_HOST: host,
        KASSA_MQTT_PORT: String(ports.mqtt),
        KASSA_SECRET_KEY: state.secretKey,
        KASSA_ADMIN_EMAIL: state.adminEmail,
        KASSA_ADMIN_PASSWORD: state.adminPassword,
        KASSA_ADMIN_ORGANISATION: 'Демо-организация',
        ...(dashboardDir ? { KASSA_DASHBOARD_DIR: dashboardDir } : {}),
        ...(process.env['KASSA_PG_BIN_DIR'] ? { KASSA_PG_BIN_DIR: process.env['KASSA_PG_BIN_DIR'] } : {}),
      },
    );
    const match = await readyLine(this.cloud, /"msg":"cloud started"/, 180_000);
    const line = JSON.parse(match.input ?? '{}') as { url: string; mqtt: string };
    return { url: line.url, mqttUrl: line.mqtt };
  }

  private async startAgent(mqttUrl: string): Promise<void> {
    const env = withoutInherited(process.env, /^KASSA_AGENT_/);
    this.agent = this.spawnChild(
      'agent',
      'agent',
      ['--import', 'tsx', 'apps/agent/src/main.ts', '--config', this.paths.agentConfig],
      {
        ...env,
        // The broker's port may differ from the first run's; the agent config keeps the first URL.
        KASSA_AGENT_MQTT_URL: mqttUrl,
        KASSA_AGENT_HTTP_PORT: String(this.settings.ports.agentHealth),
      },
    );
    await readyLine(this.agent, /"msg":"agent started"/, 60_000);
  }

  /** `kassa-agent enroll`, exactly as a store PC runs it; its output goes to the agent's log. */
  private async enroll(cloudUrl: string, token: string): Promise<void> {
    const enroll = startDemoChild({
      name: 'kassa-agent enroll',
      args: [
        '--import',
        'tsx',
        'apps/agent/src/main.ts',
        'enroll',
        '--cloud',
        cloudUrl,
        '--token',
        token,
        '--config',
        this.paths.agentConfig,
        '--data-dir',
        this.paths.agentDataDir,
        '--name',
        'Демо-агент',
      ],
      cwd: this.settings.repoRoot,
      env: withoutInherited(process.env, /^KASSA_AGENT_/),
      logFile: join(this.paths.logsDir, 'agent.log'),
    });
    const { code, signal } = await this.guard(enroll.exited);
    if (code !== 0) throw new ChildFailure(enroll, `failed (${signal ?? `exit code ${code}`})`);
  }

  private async waitAgentOnline(api: AdminApi, agentId: string): Promise<void> {
    const online = async () => (await api.api.agents.list()).some((a) => a.id === agentId && a.online);
    await waitUntil(online, 60_000, `agent ${agentId} online`, 250).catch((error: unknown) => {
      // A check that kept throwing (401, 500, the cloud gone) is not "offline": say what it threw.
      const cause = error instanceof Error ? error.cause : undefined;
      const threw = cause instanceof Error ? ` (the last check threw: ${cause.message})` : '';
      throw new Error(
        `the agent ${agentId} started but the cloud has not seen it online within 60 s${threw} ` +
          `(see ${this.shown(join(this.paths.logsDir, 'agent.log'))})`,
        { cause: cause ?? error },
      );
    });
  }

  private spawnChild(
    name: string,
    logName: string,
    args: string[],
    env: NodeJS.ProcessEnv = process.env,
  ): ChildProgram {
    const child = startDemoChild({
      name,
      args,
      cwd: this.settings.repoRoot,
      env,
      logFile: join(this.paths.logsDir, `${logName}.log`),
    });
    void child.exited.then(({ code, signal }) => {
      if (child.stopping || this.failure || this.stopSignal) return;
      this.failure = new ChildFailure(child, `stopped unexpectedly (${signal ?? `exit code ${code}`})`);
      this.abort.abort();
      this.interrupt(new Interrupted(name));
    });
    return child;
  }

  /** Stops in dependency order: the agent, then the cloud (and its PostgreSQL), then the registers. */
  private async stopAll(): Promise<void> {
    const stopped: string[] = [];
    if (this.agent) {
      await this.agent.stop(15_000);
      stopped.push('agent');
    }
    if (this.cloud) {
      await this.cloud.stop(30_000);
      await this.stopLeftoverPostgres();
      stopped.push('cloud');
    }
    await Promise.all(this.simulators.map((sim) => sim.stop(10_000)));
    if (this.simulators.length) stopped.push('simulators');
    if (stopped.length)
      this.say(`stopped: ${stopped.join(', ')}. Data kept in ${this.shown(this.paths.stateDir)}.`);
  }

  /**
   * The cloud stops its PostgreSQL itself; a cloud that died (or was killed) leaves it running.
   * SIGINT is PostgreSQL's "fast shutdown".
   */
  private async stopLeftoverPostgres(): Promise<void> {
    const pidFile = join(this.paths.postgresDir, 'postmaster.pid');
    const pid = postmasterPid(pidFile);
    if (pid === undefined || !alive(pid)) return;
    this.say('  stopping the PostgreSQL the cloud left running');
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      return;
    }
    await waitUntil(() => !alive(pid), 20_000, 'PostgreSQL to stop', 100).catch(() => undefined);
  }

  private async checkPortsFree(state: LauncherState): Promise<void> {
    const { ports, host } = this.settings;
    const postmaster = postmasterPid(join(this.paths.postgresDir, 'postmaster.pid'));
    const wanted: [string, string, number][] = [
      ['KASSA_DEMO_PORT (cloud HTTP)', host, ports.http],
      ['KASSA_DEMO_MQTT_PORT (broker)', host, ports.mqtt],
      ['KASSA_DEMO_IKKM_PORT (iKKM simulator)', '127.0.0.1', state.ikkmPort],
      ['KASSA_DEMO_CASH_CORE_PORT (cash-core simulator)', '127.0.0.1', state.cashCorePort],
      ['KASSA_DEMO_AGENT_PORT (agent health)', '127.0.0.1', ports.agentHealth],
    ];
    // A PostgreSQL left running on this data directory is reused by the cloud.
    if (postmaster === undefined || !alive(postmaster))
      wanted.push(['KASSA_DEMO_PG_PORT (PostgreSQL)', '127.0.0.1', ports.postgres]);
    const busy: string[] = [];
    for (const [what, address, port] of wanted)
      if (!(await portFree(address, port))) busy.push(`${port} — ${what}`);
    if (busy.length)
      throw new Error(
        `these ports are in use (is another demo still running?):\n${busy.map((b) => `  ${b}`).join('\n')}\n` +
          'stop that program, or choose other ports with the variables named',
      );
  }

  private printSummary(
    cloudUrl: string,
    mqttUrl: string,
    demo: DemoFile,
    dashboard: boolean,
    loggedIn: boolean,
  ): void {
    const ws = cloudUrl.replace(/^http/, 'ws');
    const row = (label: string, value: string) => `  ${label.padEnd(18)} ${value}`;
    const lines = [
      '',
      'kassa-relay is running.',
      row(
        dashboard ? 'Dashboard' : 'Cloud',
        `${cloudUrl}/${dashboard ? '' : '   (the dashboard is not built)'}`,
      ),
      row('Admin API', `${cloudUrl}/api   (OpenAPI: ${cloudUrl}/api/docs)`),
      row('Admin login', `${demo.adminEmail}  /  ${demo.adminPassword}`),
      ...(loggedIn ? [] : [row('', '(this password no longer works: was it changed in the dashboard?)')]),
      row('POS', `POST ${cloudUrl}/sale · WebSocket ${ws}/ws · socket.io ${cloudUrl}/pos`),
      row('MQTT broker', mqttUrl),
      '  Registers and their POS keys (Authorization: Bearer <key>):',
      ...demo.registers.map((r) => `    ${r.kind.padEnd(10)} ${r.id}  ${r.posKey}`),
      '',
      `Saved in ${this.shown(this.paths.demoFile)}; logs in ${this.shown(this.paths.logsDir)}.`,
      `Ctrl-C stops everything; the data stays (delete ${this.shown(this.paths.stateDir)} to start afresh).`,
    ];
    for (const line of lines) this.say(line);
  }

  private guard<T>(step: Promise<T>): Promise<T> {
    return Promise.race([step, this.interrupted]);
  }

  private shown(path: string): string {
    const inRepo = relative(this.settings.repoRoot, path);
    return inRepo && !inRepo.startsWith('..') ? inRepo : path;
  }
}

/**
 * The cloud settings `npm start` passes through from its own environment (docs: README
 * "Configuration"): behaviour, not wiring — the demo owns ports, data dir, secrets and the admin.
 */
export const DEMO_CLOUD_PASS_THROUGH = [
  'KASSA_POS_WAIT_MS',
  'KASSA_POS_RESULT_WAIT_MS',
  'KASSA_COMMAND_DEADLINE_MS',
  'KASSA_JWT_TTL_SEC',
  'KASSA_LOGIN_MAX_FAILURES',
  'KASSA_LOGIN_MAX_FAILURES_PER_ADDRESS',
  'KASSA_LOGIN_LOCKOUT_SEC',
  'KASSA_LOGIN_LOCKOUT_MAX_SEC',
  'KASSA_METRICS_TOKEN',
  'KASSA_API_DOCS',
  'KASSA_MQTT_MAX_PACKET_BYTES',
  'LOG_LEVEL',
] as const;

export function cloudSettingsFrom(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of DEMO_CLOUD_PASS_THROUGH) {
    const value = env[name];
    if (value !== undefined && value !== '') out[name] = value;
  }
  return out;
}

function withoutInherited(env: NodeJS.ProcessEnv, pattern: RegExp): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !pattern.test(name)));
}

function postmasterPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie waiting for its parent to reap it is gone for our purposes.
  const stat = `/proc/${pid}/stat`;
  return !(existsSync(stat) && /^\d+ \(.*\) Z/.test(readFileSync(stat, 'utf8')));
}

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
