/**
 * Fleet scale (issue 14): "10,000 agents on one cloud instance". N fleet agents (tools/fleet: real
 * MQTT clients with really enrolled credentials, in this one process) against one cloud process
 * with its embedded PostgreSQL — first with the embedded Aedes broker, then with Debian's Mosquitto
 * (dynamic security). Per broker: enrollment time, time until every agent is online in the cloud,
 * the reconnect storm after a broker restart, CPU and RSS at rest with heartbeats every 15 s, and
 * `/sale` p50/p99 with 10 agents and with N. Goals: storm ≤ 60 s, cloud RSS ≤ 1 GB at rest, sale p99
 * with N agents ≤ 1.5 × the 10-agent p99.
 *
 *   npm run bench:fleet                                   (10,000 agents, both brokers, rewrites its section)
 *   npm run bench:fleet -- --agents 200 --broker embedded --no-write
 *   npm run bench:fleet -- --help
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { enrollFleet, Fleet, type FleetAgentCredentials } from '@kassa-relay/fleet';
import {
  type ChildProgram,
  describeExit,
  postgresTool,
  ProductWorld,
  type RunningMosquitto,
  saleBody,
  sleep,
  startMosquitto,
  tempDir,
} from '@kassa-relay/testing';
import { format, resolveConfig } from 'prettier';
import { machineLine } from './machine';
import { type CpuSubject, cpuWindow, processTree } from './relay/processes';
import { topAreas, topFrames } from './relay/cpu-profile';
import { BENCHMARKS_MD, writeSection } from './report';

const repoRoot = resolve(__dirname, '../../..');
const execFileAsync = promisify(execFile);

const USAGE = `npm run bench:fleet -- [options]
  --agents <n>           fleet agents in all (default 10000; the first 10 also give the 10-agent baseline)
  --broker <b>           embedded | mosquitto | both (default both)
  --sales <n>            measured /sale requests per measurement (default 300)
  --sale-concurrency <n> /sale requests in flight (default 4)
  --pos-registers <n>    registers sampled across the fleet for the N-agent sales (default 50)
  --concurrency <n>      enrollments in flight (default 8)
  --rest-sec <s>         the at-rest window (default 60)
  --storm-timeout-sec <s> how long to wait for the fleet to be back after the broker restart (default 180)
  --heartbeat-sec <s>    the fleet's heartbeat period (default 15, the agent's own; less: the heartbeat load of a bigger fleet)
  --profile              profile the cloud (inspector, 10 ms sampling) and print its hottest functions
  --keep-logs            keep the cloud's log (its directory is printed)
  --no-write             print the results, leave docs/benchmarks.md alone`;

type BrokerKind = 'embedded' | 'mosquitto';

interface Options {
  agents: number;
  brokers: BrokerKind[];
  sales: number;
  saleConcurrency: number;
  posRegisters: number;
  concurrency: number;
  restMs: number;
  stormTimeoutMs: number;
  heartbeatSec: number;
  profile: boolean;
  keepLogs: boolean;
  write: boolean;
}

/** The baseline fleet: enrolled and measured first, then kept running as part of the N. */
const BASELINE_AGENTS = 10;
const STORM_GOAL_SEC = 60;
const RSS_GOAL_MB = 1024;
const P99_FACTOR_GOAL = 1.5;
const ADMIN = { email: 'fleet-bench@example.kz', password: 'fleet-bench-password-42' };

function readOptions(): Options | undefined {
  const { values } = parseArgs({
    options: {
      agents: { type: 'string', default: '10000' },
      broker: { type: 'string', default: 'both' },
      sales: { type: 'string', default: '300' },
      'sale-concurrency': { type: 'string', default: '4' },
      'pos-registers': { type: 'string', default: '50' },
      concurrency: { type: 'string', default: '8' },
      'rest-sec': { type: 'string', default: '60' },
      'storm-timeout-sec': { type: 'string', default: '180' },
      'heartbeat-sec': { type: 'string', default: '15' },
      profile: { type: 'boolean', default: false },
      'keep-logs': { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return undefined;
  const whole = (name: string, text: string, min: number, max: number) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`--${name} must be a whole number in [${min}, ${max}]`);
    return n;
  };
  const brokers: Record<string, BrokerKind[]> = {
    embedded: ['embedded'],
    mosquitto: ['mosquitto'],
    both: ['embedded', 'mosquitto'],
  };
  const chosen = brokers[values.broker];
  if (!chosen) throw new Error('--broker is embedded, mosquitto or both');
  return {
    agents: whole('agents', values.agents, 2 * BASELINE_AGENTS, 50_000),
    brokers: chosen,
    sales: whole('sales', values.sales, 10, 100_000),
    saleConcurrency: whole('sale-concurrency', values['sale-concurrency'], 1, 256),
    posRegisters: whole('pos-registers', values['pos-registers'], 1, 1_000),
    concurrency: whole('concurrency', values.concurrency, 1, 256),
    restMs: whole('rest-sec', values['rest-sec'], 5, 3_600) * 1000,
    stormTimeoutMs: whole('storm-timeout-sec', values['storm-timeout-sec'], 10, 3_600) * 1000,
    heartbeatSec: whole('heartbeat-sec', values['heartbeat-sec'], 1, 300),
    profile: values.profile,
    keepLogs: values['keep-logs'],
    write: !values['no-write'],
  };
}

const startedAt = Date.now();
const log = (line: string) =>
  process.stderr.write(
    `[bench:fleet ${((Date.now() - startedAt) / 1000).toFixed(0).padStart(5)} s] ${line}\n`,
  );
const seconds = (ms: number) => ms / 1000;

// ---- what one broker's run measured ----

interface SaleRun {
  registers: number;
  sent: number;
  /** Not sent: the run's time budget was over (a cloud that answers nothing would hold the run for hours). */
  unsent: number;
  failures: number;
  firstFailure?: string;
  p50: number;
  p99: number;
  max: number;
}

interface Wait {
  /** Seconds from the start of the wait until the condition held (undefined: not within the timeout). */
  sec?: number;
  /** How many were there when it held or when the wait gave up. */
  reached: number;
  of: number;
}

interface RestStats {
  seconds: number;
  cpu: PhaseCpu;
  cloudRssMb: number;
  cloudRssMaxMb: number;
  brokerRssMb?: number;
  benchRssMb: number;
  heartbeatsPerSec: number;
  /** `Agent` rows written per second: one per heartbeat the cloud stored (and per presence). */
  agentWritesPerSec: number;
  commitsPerSec: number;
  rowsUpdatedPerSec: number;
  /** Tables by rows read through sequential scans over the window: a missing index shows here. */
  tables: { name: string; seqScans: number; seqRows: number; idxScans: number; written: number }[];
}

interface BrokerResult {
  broker: BrokerKind;
  agents: number;
  enrollment: { agents: number; sec: number };
  /** `api`: one `GET /api/agents` right after the database showed every agent online. */
  connect: { fleet: Wait; cloud: Wait; api: ApiCheck; infoSec?: number };
  rest: RestStats;
  sales10: SaleRun;
  salesN: SaleRun;
  storm: {
    /** Broker (or cloud) stop requested → its process gone. */
    stopSec: number;
    /** Broker gone → accepting connections again (embedded: the cloud ready). */
    restartSec: number;
    fleet: Wait;
    cloud: Wait;
    /** Every agent answered the cloud's register.info again (the cloud's own catch-up). */
    infoSec?: number;
    /** Agents the cloud lists online at the end of the wait, whenever it last heard from them. */
    onlineFlag: number;
    api: ApiCheck;
  };
  /** CPU over the enrollment, the initial connect and the storm (until the cloud saw every agent back). */
  phases: { enroll: PhaseCpu; connect: PhaseCpu; storm: PhaseCpu };
  peakRssMb: Record<string, number>;
  profile?: { name: string; samples: number; lines: string[]; areas: string[] }[];
}

// ---- /proc readings ----

function rssMb(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

function postmasterPid(world: ProductWorld): number {
  try {
    return Number(readFileSync(join(world.postgresDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || 0;
  } catch {
    return 0;
  }
}

/** Percent of one core per part over a phase. */
interface PhaseCpu {
  cloud: number;
  postgres: number;
  broker?: number;
  bench: number;
  others: number;
}

/**
 * The processes whose CPU the report shows, found anew at every reading: the cloud and its
 * PostgreSQL are other processes after the embedded broker's restart, Mosquitto after its own.
 */
function cpuSubjects(world: ProductWorld, mosquitto: RunningMosquitto | undefined): CpuSubject[] {
  return [
    { name: 'cloud', part: 'cloud', pids: () => (world.cloud?.running ? [world.cloud.pid] : []) },
    {
      name: 'PostgreSQL',
      part: 'PostgreSQL',
      pids: () => {
        const postmaster = postmasterPid(world);
        return postmaster ? processTree(postmaster) : [];
      },
    },
    { name: 'bench', part: 'harness', pids: () => [process.pid] },
    ...(mosquitto
      ? [{ name: 'broker', part: 'harness' as const, pids: () => [mosquitto.process.child.pid ?? 0] }]
      : []),
  ];
}

/** CPU of the cloud, PostgreSQL, the broker, this process and everything else, from now until `stop()`. */
function phaseCpu(world: ProductWorld, mosquitto: RunningMosquitto | undefined): { stop(): PhaseCpu } {
  const window = cpuWindow(cpuSubjects(world, mosquitto));
  return {
    stop: () => {
      const cpu = window.stop();
      const of = (name: string) => cpu.perSubject.find((s) => s.name === name)?.percentOfCore;
      const ours = cpu.perSubject.reduce((sum, s) => sum + s.percentOfCore, 0);
      const broker = of('broker');
      return {
        cloud: of('cloud') ?? Number.NaN,
        postgres: of('PostgreSQL') ?? Number.NaN,
        ...(broker !== undefined ? { broker } : {}),
        bench: of('bench') ?? Number.NaN,
        others: Math.max(0, cpu.machineBusyPercent * cpus().length - ours),
      };
    },
  };
}

/** `SELECT …` on the cloud's embedded PostgreSQL, as rows of fields. */
function psql(world: ProductWorld, sql: string): string[][] {
  const out = execFileSync(
    postgresTool('psql'),
    ['-h', '127.0.0.1', '-p', String(world.ports.pg), '-U', 'postgres', '-d', 'kassa_relay', '-tAc', sql],
    { encoding: 'utf8', timeout: 20_000 },
  );
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('|'));
}

interface PgCounters {
  commits: number;
  updated: number;
  tables: Map<string, { seqScans: number; seqRows: number; idxScans: number; written: number }>;
}

function pgCounters(world: ProductWorld): PgCounters {
  const [db] = psql(
    world,
    "SELECT xact_commit, tup_updated FROM pg_stat_database WHERE datname = 'kassa_relay'",
  );
  const tables = new Map<string, { seqScans: number; seqRows: number; idxScans: number; written: number }>();
  for (const [name, seqScans, seqRows, idxScans, written] of psql(
    world,
    'SELECT relname, seq_scan, seq_tup_read, coalesce(idx_scan, 0), n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables',
  ))
    tables.set(name ?? '?', {
      seqScans: Number(seqScans),
      seqRows: Number(seqRows),
      idxScans: Number(idxScans),
      written: Number(written),
    });
  return { commits: Number(db?.[0]), updated: Number(db?.[1]), tables };
}

/**
 * The cloud's (and the broker's, and this process's) RSS every 2 s, the highest per phase
 * ("enroll", "connect", "rest", "storm", …).
 */
class RssPeaks {
  readonly peaks: Record<string, number> = {};
  phase = 'start';
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly cloudPid: () => number | undefined) {
    this.timer = setInterval(() => this.sample(), 2_000);
    this.timer.unref();
  }

  sample(): void {
    const rss = rssMb(this.cloudPid());
    if (rss !== undefined) this.peaks[this.phase] = Math.max(this.peaks[this.phase] ?? 0, rss);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

// ---- the cloud's view of the fleet ----

/**
 * How many agents the cloud has online (and, with `since`, heard from at or after it), read from
 * its database: `Agent.online` and `lastSeenAt` are what `GET /api/agents` answers, but listing
 * thousands of agents through the API every second would itself load the cloud being measured.
 */
async function dbOnline(world: ProductWorld, since?: number): Promise<number> {
  const heard =
    since === undefined ? '' : ` AND "lastSeenAt" >= to_timestamp(${since / 1000}) AT TIME ZONE 'UTC'`;
  const { stdout } = await execFileAsync(
    postgresTool('psql'),
    [
      '-h',
      '127.0.0.1',
      '-p',
      String(world.ports.pg),
      '-U',
      'postgres',
      '-d',
      'kassa_relay',
      '-tAc',
      `SELECT count(*) FROM "Agent" WHERE online AND "disabledAt" IS NULL${heard}`,
    ],
    { encoding: 'utf8', timeout: 20_000 },
  );
  return Number(stdout.trim());
}

/** What `GET /api/agents` says, and how long it took to say it (seconds). */
interface ApiCheck {
  online: number;
  sec: number;
}

async function apiCheck(world: ProductWorld, ids: ReadonlySet<string>, since?: number): Promise<ApiCheck> {
  const started = performance.now();
  const online = await apiOnline(world, ids, since).catch(() => Number.NaN);
  return { online, sec: seconds(performance.now() - started) };
}

/** How many of `ids` the admin API lists as online (and, with `since`, heard from at or after it). */
async function apiOnline(world: ProductWorld, ids: ReadonlySet<string>, since?: number): Promise<number> {
  const agents = await world.api.api.agents.list();
  let count = 0;
  for (const agent of agents) {
    if (!agent.online || !ids.has(agent.id)) continue;
    if (since !== undefined) {
      const seen = agent.lastSeenAt ? new Date(agent.lastSeenAt as string | Date).getTime() : 0;
      if (seen < since) continue;
    }
    count += 1;
  }
  return count;
}

/**
 * Polls `count` until it reaches `of` or `timeoutMs` passes; the time is taken when the answer
 * that showed it arrived (the poll's own duration is its resolution). Never throws: a poll that
 * fails counts as "not yet".
 */
async function waitCount(
  what: string,
  count: () => number | Promise<number>,
  of: number,
  timeoutMs: number,
  intervalMs: number,
  from = performance.now(),
): Promise<Wait> {
  let reached = 0;
  let lastLog = performance.now();
  for (;;) {
    if (cloudFailure) throw new Error(cloudFailure);
    try {
      reached = await count();
    } catch (error) {
      log(`  ${what}: poll failed: ${(error as Error).message.slice(0, 200)}`);
    }
    const now = performance.now();
    if (reached >= of) return { sec: seconds(now - from), reached, of };
    if (now - from > timeoutMs) {
      log(`  ${what}: gave up after ${seconds(timeoutMs).toFixed(0)} s at ${reached}/${of}`);
      return { reached, of };
    }
    if (now - lastLog > 10_000) {
      lastLog = now;
      log(`  ${what}: ${reached}/${of} after ${seconds(now - from).toFixed(0)} s`);
    }
    await sleep(intervalMs);
  }
}

/** Set when the cloud exits without being asked to: every wait then gives up at once. */
let cloudFailure: string | undefined;

/** Watches one run of the cloud: an exit nobody asked for is a failure of the run. */
function watchCloud(cloud: ChildProgram, phase: () => string): void {
  void cloud.exited.then((exit) => {
    if (cloud.stopping) return;
    cloudFailure = `the cloud exited (${describeExit(exit)}) during ${phase()}:\n${cloud.lastLines(20)}`;
    log(cloudFailure);
  });
}

// ---- POS sales ----

/** The longest one `sales` call may go on starting requests. */
const SALES_BUDGET_MS = 5 * 60_000;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))] ?? Number.NaN;

/** `total` sales (`POST /sale` with a POS key each, round-robin over `keys`), `concurrency` in flight. */
async function sales(
  cloudUrl: string,
  keys: string[],
  total: number,
  concurrency: number,
  tag: string,
): Promise<SaleRun> {
  const deadline = performance.now() + SALES_BUDGET_MS;
  const latencies: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  let next = 0;
  const one = async (index: number) => {
    const docNumber = `${tag}-${index}`;
    const started = performance.now();
    let error: string | undefined;
    try {
      const response = await fetch(`${cloudUrl}/sale`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[index % keys.length]}` },
        body: JSON.stringify(saleBody(docNumber)),
        signal: AbortSignal.timeout(60_000),
      });
      const text = await response.text();
      let code: unknown;
      try {
        code = (JSON.parse(text) as { code?: unknown }).code;
      } catch {
        // reported with the raw body
      }
      if (response.status !== 200 || code !== 0) error = `HTTP ${response.status}: ${text.slice(0, 200)}`;
    } catch (caught) {
      error = (caught as Error).message;
    }
    latencies.push(performance.now() - started);
    if (error) {
      failures += 1;
      firstFailure ??= `${docNumber}: ${error}`;
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total && performance.now() < deadline) {
        const index = next;
        next += 1;
        await one(index);
      }
    }),
  );
  const sorted = latencies.sort((a, b) => a - b);
  return {
    registers: keys.length,
    sent: next,
    unsent: total - next,
    failures,
    ...(firstFailure ? { firstFailure } : {}),
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** POS keys for `registerIds`, then one unmeasured sale on each (its shift opens, caches fill). */
async function posKeys(world: ProductWorld, registerIds: string[], tag: string): Promise<string[]> {
  const keys: string[] = [];
  for (const registerId of registerIds)
    keys.push((await world.api.api.posKeys.create({ registerId, name: `${tag} POS` })).key);
  const warm = await sales(world.cloudUrl, keys, keys.length, 4, `${tag}-warm`);
  if (warm.failures > 0)
    log(`  warm-up: ${warm.failures} of ${keys.length} sales failed: ${warm.firstFailure}`);
  return keys;
}

const describeSales = (run: SaleRun) =>
  `p50 ${run.p50.toFixed(1)} ms, p99 ${run.p99.toFixed(1)} ms, max ${run.max.toFixed(0)} ms, ${run.failures}/${run.sent} failed` +
  (run.unsent ? `, ${run.unsent} not sent (time budget over)` : '');

/**
 * `--cpu-prof` is not allowed in NODE_OPTIONS: a preloaded script profiles the cloud through the
 * inspector instead (10 ms sampling), and writes the profile as the process exits (the cloud exits
 * through process.exit after SIGTERM).
 */
function profilerScript(dir: string): string {
  const path = join(dir, 'cpu-profiler.cjs');
  writeFileSync(
    path,
    `const inspector = require('node:inspector');
const { mkdirSync, writeFileSync } = require('node:fs');
const dir = process.env.BENCH_CPU_PROFILE_DIR;
const session = new inspector.Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 10000 });
session.post('Profiler.start');
process.on('exit', () => {
  session.post('Profiler.stop', (error, answer) => {
    if (error || !dir) return;
    mkdirSync(dir, { recursive: true });
    writeFileSync(dir + '/' + Date.now() + '-' + process.pid + '.cpuprofile', JSON.stringify(answer.profile));
  });
});
`,
  );
  return path;
}

// ---- one broker ----

/**
 * Every agent says `offline` and closes its link; mqtt.js never finishes a clean end of a client
 * that is still retrying a broker that is gone, so after 20 s the rest are dropped.
 */
async function stopFleet(fleet: Fleet): Promise<void> {
  const stopped = await Promise.race([fleet.stop().then(() => true), sleep(20_000).then(() => false)]);
  if (stopped) return;
  log('fleet: not every agent closed cleanly within 20 s; dropping the rest');
  await Promise.race([Promise.all(fleet.agents.map((agent) => agent.kill())), sleep(10_000)]);
}

/** Everything a run started, stopped however it ends (also on Ctrl-C). */
const cleanups: (() => Promise<void>)[] = [];

async function cleanUp(): Promise<void> {
  for (const step of cleanups.splice(0).reverse())
    await step().catch((error: Error) => log(`cleanup: ${error.message}`));
}

async function runBroker(broker: BrokerKind, options: Options): Promise<BrokerResult> {
  const dir = tempDir(`bench-fleet-${broker}-`);
  const logs = tempDir(`bench-fleet-${broker}-logs-`);
  const profileDir = join(logs.path, 'profiles');
  cleanups.push(async () => {
    dir.remove();
    if (options.keepLogs || options.profile) log(`${broker}: logs kept in ${logs.path}`);
    else logs.remove();
  });
  let mosquitto: RunningMosquitto | undefined;
  if (broker === 'mosquitto') {
    mosquitto = await startMosquitto();
    const running = mosquitto;
    cleanups.push(() => running.close());
    log(`mosquitto on ${mosquitto.url} (pid ${mosquitto.process.child.pid})`);
  }
  const world = new ProductWorld({
    dir: dir.path,
    logsDir: logs.path,
    admin: ADMIN,
    logLevel: 'warn',
    posWaitMs: 30_000,
    apiTimeoutMs: 300_000,
    label: `bench-fleet-${broker}`,
    cloudEnv: {
      ...(mosquitto
        ? {
            MQTT_URL: mosquitto.url,
            MQTT_USERNAME: mosquitto.admin.username,
            MQTT_PASSWORD: mosquitto.admin.password,
            KASSA_MQTT_PROVISIONING: 'dynsec',
            KASSA_INSTANCE_ID: 'bench',
          }
        : {}),
      ...(options.profile
        ? { NODE_OPTIONS: `--require ${profilerScript(logs.path)}`, BENCH_CPU_PROFILE_DIR: profileDir }
        : {}),
    },
  });
  cleanups.push(() => world.processes.stopAll(30_000));
  const fleets: Fleet[] = [];
  cleanups.push(async () => {
    for (const fleet of fleets.splice(0)) await stopFleet(fleet);
  });
  const peaks = new RssPeaks(() => (world.cloud?.running ? world.cloud.pid : undefined));
  cleanups.push(async () => peaks.stop());
  const mqttVersion = mosquitto ? 5 : 4;

  await world.allocatePorts();
  cloudFailure = undefined;
  watchCloud(await world.startCloud(), () => peaks.phase);
  await world.signIn();
  log(`${broker}: cloud ${world.cloudUrl} (pid ${world.cloud?.pid}), PostgreSQL pid ${postmasterPid(world)}`);

  // 1. The 10-agent baseline: enrolled, started, every register's sale latency.
  peaks.phase = 'the 10-agent baseline';
  const enrollStarted = performance.now();
  const baseline = await enrollFleet(world.api, {
    agents: BASELINE_AGENTS,
    concurrency: options.concurrency,
    label: `${broker}-ten`,
  });
  const baselineEnrollMs = performance.now() - enrollStarted;
  const fleetOptions = { mqttVersion, heartbeatIntervalSec: options.heartbeatSec } as const;
  const small = new Fleet(baseline, fleetOptions);
  fleets.push(small);
  small.start();
  const smallIds = new Set(baseline.map((agent) => agent.agentId));
  const smallOnline = await waitCount(
    '10 agents online',
    () => apiOnline(world, smallIds),
    smallIds.size,
    60_000,
    250,
  );
  if (smallOnline.sec === undefined) throw new Error('the 10 baseline agents did not come online');
  await waitCount(
    '10 agents answered register.info',
    () => small.counters.commands,
    BASELINE_AGENTS,
    60_000,
    250,
  );
  const smallKeys = await posKeys(
    world,
    baseline.map((agent) => agent.registers[0]!.id),
    `${broker}-ten`,
  );
  const sales10 = await sales(
    world.cloudUrl,
    smallKeys,
    options.sales,
    options.saleConcurrency,
    `${broker}-ten`,
  );
  log(`${broker}: sales with ${BASELINE_AGENTS} agents: ${describeSales(sales10)}`);

  // 2. Enrollment of the rest.
  peaks.phase = 'the enrollment';
  const rest = options.agents - BASELINE_AGENTS;
  let lastProgress = performance.now();
  const bigEnrollStarted = performance.now();
  const enrollCpu = phaseCpu(world, mosquitto);
  const credentials: FleetAgentCredentials[] = await enrollFleet(world.api, {
    agents: rest,
    concurrency: options.concurrency,
    label: broker,
    onEnrolled: (done, total) => {
      const now = performance.now();
      if (now - lastProgress < 15_000 && done < total) return;
      lastProgress = now;
      const elapsed = seconds(now - bigEnrollStarted);
      log(`  enrolled ${done}/${total} in ${elapsed.toFixed(0)} s (${(done / elapsed).toFixed(1)}/s)`);
    },
  });
  const enrollMs = performance.now() - bigEnrollStarted + baselineEnrollMs;
  const enrollPhase = enrollCpu.stop();
  log(`${broker}: enrolled ${options.agents} agents in ${seconds(enrollMs).toFixed(0)} s`);

  // 3. Every agent started at once: until the fleet holds N links, and the cloud lists N online.
  peaks.phase = 'the initial connect';
  const big = new Fleet(credentials, fleetOptions);
  fleets.push(big);
  const allIds = new Set([...smallIds, ...credentials.map((agent) => agent.agentId)]);
  const connectedAll = () => small.connected + big.connected;
  const connectStarted = performance.now();
  const connectCpu = phaseCpu(world, mosquitto);
  big.start();
  const [connectFleet, connectCloud] = await Promise.all([
    waitCount('fleet connected', connectedAll, allIds.size, 900_000, 100, connectStarted),
    waitCount('cloud has online', () => dbOnline(world), allIds.size, 900_000, 1_000, connectStarted),
  ]);
  const connectApi = await apiCheck(world, allIds);
  const connectInfo = await waitCount(
    'every new agent answered register.info',
    () => big.counters.commands,
    credentials.length,
    300_000,
    500,
    connectStarted,
  );
  const connectPhase = connectCpu.stop();
  log(
    `${broker}: connect: fleet ${connectFleet.sec?.toFixed(1)} s, cloud ${connectCloud.sec?.toFixed(1)} s, register.info ${connectInfo.sec?.toFixed(1)} s`,
  );
  await sleep(15_000);

  // 4. At rest: heartbeats every 15 s, nothing else.
  peaks.phase = 'rest';
  log(`${broker}: at rest for ${seconds(options.restMs)} s`);
  const restStats = await atRest(world, mosquitto, [small, big], options.restMs);
  log(
    `${broker}: at rest: cloud ${restStats.cpu.cloud.toFixed(0)} % CPU, ${restStats.cloudRssMb.toFixed(0)} MB; PostgreSQL ${restStats.cpu.postgres.toFixed(0)} %; ${restStats.heartbeatsPerSec.toFixed(0)} heartbeats/s sent, ${restStats.agentWritesPerSec.toFixed(0)}/s stored; others ${restStats.cpu.others.toFixed(0)} %`,
  );

  // 5. Sales with N agents online, through registers spread over the whole fleet.
  peaks.phase = 'the sales';
  const step = credentials.length / Math.min(options.posRegisters, credentials.length);
  const sampled = Array.from(
    { length: Math.min(options.posRegisters, credentials.length) },
    (_, i) => credentials[Math.floor(i * step)]!.registers[0]!.id,
  );
  const bigKeys = await posKeys(world, sampled, `${broker}-n`);
  const salesN = await sales(world.cloudUrl, bigKeys, options.sales, options.saleConcurrency, `${broker}-n`);
  log(`${broker}: sales with ${options.agents} agents: ${describeSales(salesN)}`);
  if (cloudFailure) throw new Error(cloudFailure);

  // 6. The reconnect storm: the broker goes and comes back.
  peaks.phase = 'the storm';
  const connectsBefore = small.counters.connects + big.counters.connects;
  const commandsBefore = big.counters.commands;
  const stopStarted = performance.now();
  const stormCpu = phaseCpu(world, mosquitto);
  let brokerGoneAt: number;
  let restartMs: number;
  /** Mosquitto: the wall-clock moment the old broker was gone (the cloud's `lastSeenAt` is wall time). */
  let since: number | undefined;
  if (mosquitto) {
    const child = mosquitto.process.child;
    const gone = new Promise<number>((resolve) => child.once('exit', () => resolve(performance.now())));
    const goneWall = new Promise<number>((resolve) => child.once('exit', () => resolve(Date.now())));
    await mosquitto.restart();
    brokerGoneAt = await gone;
    restartMs = performance.now() - brokerGoneAt;
    since = await goneWall;
  } else {
    await world.cloud!.stop(30_000);
    brokerGoneAt = performance.now();
    watchCloud(await world.startCloud(), () => peaks.phase);
    restartMs = performance.now() - brokerGoneAt;
  }
  const stopMs = brokerGoneAt - stopStarted;
  const backAt = performance.now();
  log(
    `${broker}: storm: broker stopped in ${seconds(stopMs).toFixed(1)} s, back after ${seconds(restartMs).toFixed(1)} s`,
  );
  const [stormFleet, stormCloud] = await Promise.all([
    waitCount(
      'fleet reconnected',
      // Every agent connected anew since the broker went, and holding its link now.
      () => Math.min(connectedAll(), small.counters.connects + big.counters.connects - connectsBefore),
      allIds.size,
      options.stormTimeoutMs,
      100,
      backAt,
    ),
    // Embedded: the cloud restarted and reset every `online` at its start. Mosquitto: the cloud
    // stayed up and `online` stays true — an agent counts once the cloud heard from it after the
    // old broker was gone (its `online` presence on reconnect).
    waitCount(
      'cloud has online again',
      () => dbOnline(world, since),
      allIds.size,
      options.stormTimeoutMs,
      1_000,
      backAt,
    ),
  ]);
  const stormPhase = stormCpu.stop();
  const stormInfo = await waitCount(
    'every agent answered register.info again',
    () => big.counters.commands - commandsBefore,
    credentials.length,
    // A cloud that does not see the agents back does not ask them either: no long wait then.
    stormCloud.sec === undefined ? 10_000 : options.stormTimeoutMs,
    500,
    backAt,
  );
  log(
    `${broker}: storm: fleet ${stormFleet.sec?.toFixed(1)} s, cloud ${stormCloud.sec?.toFixed(1)} s, register.info ${stormInfo.sec?.toFixed(1)} s`,
  );
  // The `online` flag alone, without "heard from since": what the dashboard shows now.
  const onlineFlag = await dbOnline(world).catch(() => Number.NaN);
  const stormApi = await apiCheck(world, allIds, since);
  peaks.stop();

  const result: BrokerResult = {
    broker,
    agents: options.agents,
    enrollment: { agents: options.agents, sec: seconds(enrollMs) },
    connect: {
      fleet: connectFleet,
      cloud: connectCloud,
      api: connectApi,
      ...(connectInfo.sec !== undefined ? { infoSec: connectInfo.sec } : {}),
    },
    rest: restStats,
    sales10,
    salesN,
    storm: {
      stopSec: seconds(stopMs),
      restartSec: seconds(restartMs),
      fleet: stormFleet,
      cloud: stormCloud,
      ...(stormInfo.sec !== undefined ? { infoSec: stormInfo.sec } : {}),
      onlineFlag,
      api: stormApi,
    },
    phases: { enroll: enrollPhase, connect: connectPhase, storm: stormPhase },
    peakRssMb: peaks.peaks,
  };
  // The fleets first, then the cloud (its profile is written as it exits), then the rest.
  for (const fleet of fleets.splice(0)) await stopFleet(fleet);
  await world.processes.stopAll(30_000);
  if (options.profile) {
    // One profile per cloud process, in start order: the first until the storm, the second after it.
    const files = existsSync(profileDir)
      ? readdirSync(profileDir)
          .filter((name) => name.endsWith('.cpuprofile'))
          .sort()
      : [];
    result.profile = files.map((file, index) => {
      const own = join(profileDir, `cloud-${index + 1}`);
      mkdirSync(own, { recursive: true });
      renameSync(join(profileDir, file), join(own, file));
      return {
        name: `${broker} cloud, ${index === 0 ? 'start until the storm' : 'the storm and after'}`,
        ...topFrames(own, repoRoot, 20),
        areas: topAreas(own, repoRoot, 10),
      };
    });
  }
  return result;
}

async function atRest(
  world: ProductWorld,
  mosquitto: RunningMosquitto | undefined,
  fleets: Fleet[],
  windowMs: number,
): Promise<RestStats> {
  const cloudPid = world.cloud!.pid;
  const brokerPid = mosquitto?.process.child.pid;
  const heartbeats = () => fleets.reduce((sum, fleet) => sum + fleet.counters.heartbeats, 0);
  const pgBefore = pgCounters(world);
  const heartbeatsBefore = heartbeats();
  const window = phaseCpu(world, mosquitto);
  const started = performance.now();
  const cloudRss: number[] = [];
  const brokerRss: number[] = [];
  const benchRss: number[] = [];
  while (performance.now() - started < windowMs) {
    await sleep(Math.min(5_000, windowMs - (performance.now() - started)));
    cloudRss.push(rssMb(cloudPid) ?? Number.NaN);
    if (brokerPid) brokerRss.push(rssMb(brokerPid) ?? Number.NaN);
    benchRss.push(process.memoryUsage.rss() / 2 ** 20);
  }
  const cpu = window.stop();
  const elapsed = seconds(performance.now() - started);
  const heartbeatsSent = heartbeats() - heartbeatsBefore;
  const pgAfter = pgCounters(world);
  const tables = [...pgAfter.tables].map(([name, after]) => {
    const before = pgBefore.tables.get(name) ?? { seqScans: 0, seqRows: 0, idxScans: 0, written: 0 };
    return {
      name,
      seqScans: after.seqScans - before.seqScans,
      seqRows: after.seqRows - before.seqRows,
      idxScans: after.idxScans - before.idxScans,
      written: after.written - before.written,
    };
  });
  const last = (list: number[]) => list[list.length - 1] ?? Number.NaN;
  return {
    seconds: elapsed,
    cpu,
    ...(brokerPid ? { brokerRssMb: last(brokerRss) } : {}),
    cloudRssMb: last(cloudRss),
    cloudRssMaxMb: Math.max(...cloudRss),
    benchRssMb: last(benchRss),
    heartbeatsPerSec: heartbeatsSent / elapsed,
    agentWritesPerSec:
      ((pgAfter.tables.get('Agent')?.written ?? 0) - (pgBefore.tables.get('Agent')?.written ?? 0)) / elapsed,
    commitsPerSec: (pgAfter.commits - pgBefore.commits) / elapsed,
    rowsUpdatedPerSec: (pgAfter.updated - pgBefore.updated) / elapsed,
    tables: tables
      .filter((t) => t.seqScans + t.idxScans + t.written > 0)
      .sort((a, b) => b.seqRows - a.seqRows || b.idxScans - a.idxScans)
      .slice(0, 6),
  };
}

// ---- the report ----

const thousands = (n: number) => Math.round(n).toLocaleString('en-US');
const sec = (s: number) => (s < 1 ? `${s.toFixed(2)} s` : s < 10 ? `${s.toFixed(1)} s` : `${thousands(s)} s`);
const mb = (m: number | undefined) =>
  m === undefined || Number.isNaN(m) ? '—' : m >= 1024 ? `${(m / 1024).toFixed(2)} GB` : `${m.toFixed(0)} MB`;
const msText = (m: number) => (m < 100 ? m.toFixed(1) : thousands(m));
const waited = (wait: Wait) =>
  wait.sec === undefined
    ? `not reached (${thousands(wait.reached)} of ${thousands(wait.of)})`
    : sec(wait.sec);
const verdict = (pass: boolean) => (pass ? 'PASS' : '**FAIL**');

const apiText = (check: ApiCheck) =>
  `then \`GET /api/agents\` took ${sec(check.sec)} and listed ${Number.isNaN(check.online) ? '— (it failed)' : thousands(check.online)} online`;

const cpuText = (cpu: PhaseCpu) =>
  [cpu.cloud, cpu.postgres, ...(cpu.broker !== undefined ? [cpu.broker] : []), cpu.bench, cpu.others]
    .map((n) => n.toFixed(0))
    .join(' · ');

interface Goals {
  storm: boolean;
  rss: boolean;
  p99: boolean;
}

function goalsOf(result: BrokerResult): Goals {
  return {
    storm: result.storm.cloud.sec !== undefined && result.storm.cloud.sec <= STORM_GOAL_SEC,
    rss: result.rest.cloudRssMaxMb <= RSS_GOAL_MB,
    p99: result.salesN.unsent === 0 && result.salesN.p99 <= P99_FACTOR_GOAL * result.sales10.p99,
  };
}

const BROKER_TITLE: Record<BrokerKind, string> = {
  embedded: 'Embedded broker (Aedes, inside the cloud process)',
  mosquitto: 'Mosquitto 2 with dynamic security (a separate process; the cloud with `MQTT_URL`)',
};

function brokerTable(result: BrokerResult, options: Options): string {
  const { rest, storm, connect } = result;
  const goals = goalsOf(result);
  const n = thousands(result.agents);
  const unsent = result.sales10.unsent + result.salesN.unsent;
  const peak = Object.entries(result.peakRssMb).sort((a, b) => b[1] - a[1])[0];
  const stormBack =
    result.broker === 'embedded'
      ? `the cloud stopped (SIGTERM) in ${sec(storm.stopSec)}, ready again ${sec(storm.restartSec)} later`
      : `Mosquitto stopped (SIGTERM) in ${sec(storm.stopSec)}, listening again ${sec(storm.restartSec)} later`;
  const rows: string[][] = [
    [
      `enrollment of ${n} agents`,
      `${sec(result.enrollment.sec)} (${(result.enrollment.agents / result.enrollment.sec).toFixed(1)} agents/s, ${options.concurrency} in flight)`,
      '',
      '',
    ],
    [
      'initial connect (all started at once): every agent online in the cloud',
      `${waited(connect.cloud)} (fleet holds every MQTT link after ${waited(connect.fleet)}; ${apiText(connect.api)})`,
      '',
      '',
    ],
    [
      '… and every agent answered the cloud’s `register.info`',
      connect.infoSec === undefined ? 'not reached' : sec(connect.infoSec),
      '',
      '',
    ],
    [
      'reconnect storm: every agent online again in the cloud, from the broker’s return',
      `${waited(storm.cloud)} (fleet links: ${waited(storm.fleet)}; ${stormBack}; ${apiText(storm.api)})`,
      `≤ ${STORM_GOAL_SEC} s`,
      verdict(goals.storm),
    ],
    [
      '… and every agent answered `register.info` again',
      storm.infoSec === undefined ? 'not reached' : sec(storm.infoSec),
      '',
      '',
    ],
    ['cloud CPU at rest', `${rest.cpu.cloud.toFixed(0)} % of one core`, '', ''],
    [
      'PostgreSQL CPU at rest (postmaster and backends)',
      `${rest.cpu.postgres.toFixed(0)} % of one core`,
      '',
      '',
    ],
    ...(rest.cpu.broker !== undefined
      ? [
          [
            'Mosquitto at rest',
            `${rest.cpu.broker.toFixed(0)} % of one core, ${mb(rest.brokerRssMb)} RSS`,
            '',
            '',
          ],
        ]
      : []),
    [
      'cloud RSS at rest (highest of the window)',
      `${mb(rest.cloudRssMaxMb)}${peak ? ` (peak of the run ${mb(peak[1])}, during ${peak[0]})` : ''}`,
      '≤ 1 GB',
      verdict(goals.rss),
    ],
    ['fleet process RSS (all N agents and the benchmark itself)', mb(rest.benchRssMb), '', ''],
    [
      `/sale p50 / p99, ${BASELINE_AGENTS} agents (${result.sales10.registers} registers)`,
      `${msText(result.sales10.p50)} / ${msText(result.sales10.p99)} ms (max ${msText(result.sales10.max)} ms)`,
      '',
      '',
    ],
    [
      `/sale p50 / p99, ${n} agents (${result.salesN.registers} registers across the fleet)`,
      `${msText(result.salesN.p50)} / ${msText(result.salesN.p99)} ms (max ${msText(result.salesN.max)} ms)`,
      `p99 ≤ ${P99_FACTOR_GOAL} × ${msText(result.sales10.p99)} = ${msText(P99_FACTOR_GOAL * result.sales10.p99)} ms`,
      verdict(goals.p99),
    ],
    [
      '/sale answers other than code 0',
      `${result.sales10.failures + result.salesN.failures} of ${result.sales10.sent + result.salesN.sent}` +
        (unsent ? ` (and ${unsent} not sent: the ${SALES_BUDGET_MS / 60_000}-minute budget was over)` : ''),
      '0',
      verdict(result.sales10.failures + result.salesN.failures + unsent === 0),
    ],
  ];
  const table = [
    '| measure | result | goal | |',
    '| --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
  const perHeartbeat = rest.heartbeatsPerSec > 0 ? (10 * rest.cpu.cloud) / rest.heartbeatsPerSec : Number.NaN;
  const tables = rest.tables
    .map(
      (t) =>
        `\`${t.name}\` ${thousands(t.seqScans)} seq scans reading ${thousands(t.seqRows)} rows, ${thousands(t.idxScans)} index scans, ${thousands(t.written)} rows written`,
    )
    .join('; ');
  const failures = [result.sales10.firstFailure, result.salesN.firstFailure].filter(Boolean);
  return [
    `### ${BROKER_TITLE[result.broker]}`,
    '',
    table,
    '',
    `At rest (${rest.seconds.toFixed(0)} s): the fleet sends ${rest.heartbeatsPerSec.toFixed(0)} heartbeats/s and the cloud stores ${rest.agentWritesPerSec.toFixed(0)}/s (\`Agent\` rows written); ` +
      `the cloud spends ${perHeartbeat.toFixed(2)} ms of CPU per heartbeat; PostgreSQL commits ${thousands(rest.commitsPerSec)} transactions/s ` +
      `and updates ${thousands(rest.rowsUpdatedPerSec)} rows/s. Tables touched in the window (pg_stat_user_tables): ${tables || 'none'}. ` +
      `Everything else on the machine used ${rest.cpu.others.toFixed(0)} % of one core in the window; the benchmark process itself (the fleet) ${rest.cpu.bench.toFixed(0)} %.`,
    '',
    `CPU in % of one core (cloud · PostgreSQL${result.broker === 'mosquitto' ? ' · Mosquitto' : ''} · fleet process · everything else): ` +
      `enrollment ${cpuText(result.phases.enroll)}; initial connect ${cpuText(result.phases.connect)}; storm ${cpuText(result.phases.storm)}; at rest ${cpuText(rest.cpu)}.`,
    ...(failures.length ? ['', `First failed sales: ${failures.map((f) => `\`${f}\``).join('; ')}.`] : []),
    ...(storm.cloud.sec === undefined
      ? [
          '',
          `**Storm not over in the cloud's view:** ${storm.fleet.sec === undefined ? 'the fleet itself was not back either' : `the fleet held all ${n} links again after ${sec(storm.fleet.sec)}`}, ` +
            `but within ${sec(options.stormTimeoutMs / 1000)} the cloud heard from only ${thousands(storm.cloud.reached)} of them after the restart ` +
            `(\`lastSeenAt\` from their presence or heartbeats); it listed ${thousands(storm.onlineFlag)} as online.`,
        ]
      : []),
  ].join('\n');
}

function fleetMarkdown(
  results: BrokerResult[],
  options: Options,
  backgroundBusy: number,
  crashes: string[],
  note: string | undefined,
): string {
  const n = thousands(options.agents);
  const today = new Date().toISOString().slice(0, 10);
  const goalRows = results.map((result) => {
    const goals = goalsOf(result);
    return `| ${result.broker} | ${verdict(goals.storm)} (${waited(result.storm.cloud)}) | ${verdict(goals.rss)} (${mb(result.rest.cloudRssMaxMb)}) | ${verdict(goals.p99)} (${msText(result.salesN.p99)} vs ${msText(result.sales10.p99)} ms) |`;
  });
  return [
    '## Fleet: 10,000 agents on one cloud instance (`npm run bench:fleet`)',
    '',
    `\`npm run bench:fleet\` (\`-- --help\` for its options; \`-- --agents 200 --no-write\` for a quick look) starts, on 127.0.0.1 in a temporary directory, ` +
      'one cloud process (`node -r @swc-node/register apps/cloud/src/main.ts`, `LOG_LEVEL=warn`) with its embedded PostgreSQL, ' +
      'once with its embedded Aedes broker and once against Debian’s Mosquitto 2 with dynamic security (`MQTT_URL`, ' +
      '`KASSA_MQTT_PROVISIONING=dynsec`: the cloud creates each agent’s account on the broker as it enrolls). ' +
      'The agents are tools/fleet agents, all in the benchmark’s own process: real MQTT clients, each enrolled through the admin API ' +
      'as an office and a store PC do it (a store, an iKKM register, an enrollment token, `POST /api/agents/enroll`), with a persistent ' +
      `session (MQTT 3.1.1 on the embedded broker, 5 on Mosquitto), a heartbeat every ${options.heartbeatSec} s carrying its register’s health, ` +
      'a retry 0.5–5 s after a lost link (drawn anew per outage), answering the cloud’s commands from a fake register at once.',
    '',
    'Per broker, in this order:',
    '',
    `1. ${BASELINE_AGENTS} agents enrolled and started, a POS key for each of their registers, one unmeasured sale on each, then ` +
      `${thousands(options.sales)} \`POST /sale\` (\`saleBody\`: a new document each) with ${options.saleConcurrency} in flight → the ${BASELINE_AGENTS}-agent latency.`,
    `2. The other ${thousands(options.agents - BASELINE_AGENTS)} enrolled, ${options.concurrency} at a time (4 admin API calls each); "enrollment" counts both.`,
    '3. All of them started at once: until the fleet holds every MQTT link, and until the cloud has every agent online — read every second from its ' +
      'database (`Agent.online`, which `GET /api/agents` lists: listing thousands of agents through the API every second would load the cloud being ' +
      'measured), then confirmed and timed with one `GET /api/agents`; ' +
      'then until every agent answered the `register.info` the cloud sends each agent that comes online. 15 s to settle.',
    `4. At rest for ${seconds(options.restMs).toFixed(0)} s: heartbeats only. CPU from \`/proc/<pid>/stat\` (utime + stime, in % of one core), ` +
      'RSS from `/proc/<pid>/status` (VmRSS, every 5 s); PostgreSQL is its postmaster and every backend; commits and rows from `pg_stat_database`.',
    `5. POS keys for ${options.posRegisters} registers spread evenly over the fleet, one unmeasured sale on each, then ${thousands(options.sales)} sales as in 1 → the ${n}-agent latency.`,
    '6. The reconnect storm. Embedded: the broker lives in the cloud, so the cloud is stopped (SIGTERM) and started again — it resets every ' +
      '`Agent.online` at start, so "online again" is the flag itself. Mosquitto: the broker is stopped (SIGTERM) and started again with its persisted ' +
      'sessions while the cloud stays up (and keeps `online` true), so an agent counts once the cloud lists it online *and* heard from it after the old ' +
      'broker was gone (`lastSeenAt`, written by the `online` presence each agent publishes on reconnect). Timed from the moment the broker accepts ' +
      'connections again; the goal is judged on the cloud’s view. The fleet’s own count (every agent connected anew and holding its link) is shown beside it.',
    '',
    `Machine: ${machineLine()}. Measured ${today}. Before the run, other programs kept the machine ${backgroundBusy.toFixed(0)} % busy; ` +
      'the at-rest lines below say how much CPU everything else took during the window. The fleet runs on the same two cores as the cloud, ' +
      'PostgreSQL and the broker, so every number here includes that competition.',
    '',
    `Parameters: ${n} agents (${BASELINE_AGENTS} + ${thousands(options.agents - BASELINE_AGENTS)}), one iKKM register each, heartbeat ${options.heartbeatSec} s, ` +
      `reconnect 0.5–5 s, enrollment concurrency ${options.concurrency}, ${thousands(options.sales)} measured sales per latency run at concurrency ` +
      `${options.saleConcurrency}, \`KASSA_POS_WAIT_MS=30000\`.`,
    ...(note ? ['', note] : []),
    ...(crashes.length ? ['', `**Crashed:** ${crashes.map((c) => `\`${c}\``).join('; ')}`] : []),
    '',
    ...results.flatMap((result) => [brokerTable(result, options), '']),
    '### Goals',
    '',
    '| broker | reconnect storm ≤ 60 s | cloud RSS at rest ≤ 1 GB | sale p99 with N ≤ 1.5 × with 10 |',
    '| --- | --- | --- | --- |',
    ...goalRows,
  ].join('\n');
}

function profileText(results: BrokerResult[]): string {
  return results
    .flatMap((result) =>
      (result.profile ?? []).map(
        (p) =>
          `${p.name}: ${p.samples} samples (10 ms)\n  by area: ${p.areas.join(', ')}\n${p.lines.map((line) => `  ${line}`).join('\n')}`,
      ),
    )
    .join('\n');
}

/** Machine busy (% of all cores) over 5 s before anything starts. */
async function backgroundLoad(): Promise<number> {
  const idle = cpuWindow([]);
  await sleep(5_000);
  return idle.stop().machineBusyPercent;
}

async function main(): Promise<void> {
  let options: Options | undefined;
  let note: string | undefined;
  try {
    const noteIndex = process.argv.indexOf('--note');
    if (noteIndex >= 0) {
      note = process.argv[noteIndex + 1];
      process.argv.splice(noteIndex, 2);
    }
    options = readOptions();
  } catch (error) {
    process.stderr.write(
      `${(error as Error).message}\n\n${USAGE}\n  --note <text>          a paragraph added to the section (why N is smaller, …)\n`,
    );
    process.exit(2);
  }
  if (!options) {
    process.stdout.write(
      `${USAGE}\n  --note <text>          a paragraph added to the section (why N is smaller, …)\n`,
    );
    return;
  }
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping every process this benchmark started`);
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  // Waits on other processes and sockets may hold no handle of their own: keep this process alive
  // until it decides to exit (an empty event loop would end it silently, mid-cleanup).
  setInterval(() => undefined, 60_000);
  const backgroundBusy = await backgroundLoad();
  log(`background load: ${backgroundBusy.toFixed(0)} % of the machine`);
  const results: BrokerResult[] = [];
  const crashes: string[] = [];
  for (const broker of options.brokers) {
    log(`=== ${broker} broker, ${thousands(options.agents)} agents ===`);
    try {
      results.push(await runBroker(broker, options));
    } catch (error) {
      log(`${broker}: ${(error as Error).stack ?? String(error)}`);
      crashes.push(`${broker}: ${(error as Error).message.split('\n')[0]}`);
    } finally {
      await cleanUp();
    }
  }
  const markdown = fleetMarkdown(results, options, backgroundBusy, crashes, note);
  process.stdout.write(`${markdown}\n`);
  if (options.profile) process.stdout.write(`\n${profileText(results)}\n`);
  const summary = results.map((result) => {
    const goals = goalsOf(result);
    return `${result.broker}: storm ${waited(result.storm.cloud)} ${goals.storm ? 'PASS' : 'FAIL'} · cloud RSS ${mb(result.rest.cloudRssMaxMb)} ${goals.rss ? 'PASS' : 'FAIL'} · p99 ${msText(result.salesN.p99)} vs ${msText(result.sales10.p99)} ms ${goals.p99 ? 'PASS' : 'FAIL'}`;
  });
  process.stdout.write(`\nsummary (${thousands(options.agents)} agents):\n${summary.join('\n')}\n`);
  if (crashes.length) {
    process.stderr.write(`crashed: ${crashes.join('; ')} (docs/benchmarks.md left alone)\n`);
    process.exit(1);
  }
  if (options.write) {
    writeSection('fleet', markdown);
    const config = await resolveConfig(BENCHMARKS_MD);
    writeFileSync(
      BENCHMARKS_MD,
      await format(readFileSync(BENCHMARKS_MD, 'utf8'), { ...config, filepath: BENCHMARKS_MD }),
    );
    log('docs/benchmarks.md: section "fleet" written');
  }
  // mqtt.js and undici keep sockets and timers: the run is over.
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  void cleanUp().finally(() => process.exit(1));
});
