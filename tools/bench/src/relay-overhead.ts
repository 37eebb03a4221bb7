/**
 * Relay overhead: the same sale (a) straight to a cash-core simulator and (b) through
 * POS → cloud → broker → agent → simulator → back, at a fixed rate (open loop); then the most sales
 * per second the whole chain sustains across 20 registers with PostgreSQL underneath (closed loop).
 * Targets: overhead p50 ≤ 3 ms and p99 ≤ 15 ms at 100 sales/s; ≥ 1,000 sales/s across 20 registers.
 *
 *   npm run bench:relay                       (builds the agent, ~5 minutes, rewrites its section of docs/benchmarks.md)
 *   npm run bench:relay -- --help             (rates, durations, agents, simulator processes)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CashCoreClient } from '@kassa-relay/drivers';
import { ProcessGroup, saleBody } from '@kassa-relay/testing';
import { format, resolveConfig } from 'prettier';
import { BENCHMARKS_MD, writeSection } from './report';
import { ChainWorld, type BenchRegister, repoRoot } from './relay/chain-world';
import { keepAliveAgent, postText } from './relay/http-post';
import { closedLoop, type LoadResult, openLoop, type Outcome } from './relay/load';
import { cpuWindow, type CpuReport } from './relay/processes';
import { topAreas, topFrames } from './relay/cpu-profile';
import {
  relayMarkdown,
  type LatencyRun,
  type RelayReportInput,
  type SaleAnatomy,
  type ThroughputRun,
} from './relay/relay-report';
import { ACCESS_CODE, KKM_OFD_ID, tradeOperationRequest } from './relay/sale';

const USAGE = `npm run bench:relay -- [options]
  --rates <list>           fixed rates (sales/s) of the latency runs, spread over all registers
                           (default 100,10: the target's rate and a light load)
  --warmup <s>             warm-up before every measured run (default 5)
  --duration <s>           measured time of each latency run (default 20)
  --registers <n>          cash-core registers (default 20)
  --agents <n>             agents; registers are spread over them, one store each (default 2)
  --sim-processes <n>      processes hosting the simulators (default 1)
  --clients <list>         closed-loop clients per register, one throughput run each (default 1,2,4)
  --throughput-duration <s> measured time of each throughput run (default 20)
  --profile                run the cloud and the agents with --cpu-prof and add their hottest functions
  --wait-quiet <min>       first wait up to this long for the machine to be under 25 % busy (default 5; 0: no wait)
  --skip-build             use apps/agent/dist/main.js as it is
  --no-write               print the results, leave docs/benchmarks.md alone`;

interface Options {
  rates: number[];
  waitQuietMs: number;
  warmupMs: number;
  durationMs: number;
  registers: number;
  agents: number;
  simProcesses: number;
  clients: number[];
  throughputMs: number;
  build: boolean;
  write: boolean;
  profile: boolean;
}

function readOptions(): Options | undefined {
  const { values } = parseArgs({
    options: {
      rates: { type: 'string', default: '100,10' },
      'wait-quiet': { type: 'string', default: '5' },
      warmup: { type: 'string', default: '5' },
      duration: { type: 'string', default: '20' },
      registers: { type: 'string', default: '20' },
      agents: { type: 'string', default: '2' },
      'sim-processes': { type: 'string', default: '1' },
      clients: { type: 'string', default: '1,2,4' },
      'throughput-duration': { type: 'string', default: '20' },
      'skip-build': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return undefined;
  const positive = (name: string, text: string, max: number) => {
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0 || n > max)
      throw new Error(`--${name} must be a number in (0, ${max}]`);
    return n;
  };
  const options: Options = {
    rates: values.rates.split(',').map((r) => positive('rates', r, 5_000)),
    waitQuietMs: values['wait-quiet'] === '0' ? 0 : positive('wait-quiet', values['wait-quiet'], 60) * 60_000,
    warmupMs: positive('warmup', values.warmup, 120) * 1000,
    durationMs: positive('duration', values.duration, 300) * 1000,
    registers: Math.round(positive('registers', values.registers, 200)),
    agents: Math.round(positive('agents', values.agents, 20)),
    simProcesses: Math.round(positive('sim-processes', values['sim-processes'], 20)),
    clients: values.clients.split(',').map((c) => Math.round(positive('clients', c, 64))),
    throughputMs: positive('throughput-duration', values['throughput-duration'], 300) * 1000,
    build: !values['skip-build'],
    write: !values['no-write'],
    profile: values.profile,
  };
  if (options.agents > options.registers) throw new Error('--agents cannot exceed --registers');
  return options;
}

const log = (line: string) => process.stderr.write(`[bench:relay] ${line}\n`);

/** The POS side: `POST /sale` with the register's POS key over kept-alive connections. */
class PosClients {
  private readonly http;
  private readonly saleUrl: URL;
  private seq = 0;
  private readonly tag = Date.now().toString(36);

  constructor(cloudUrl: string, sockets: number) {
    this.http = keepAliveAgent(sockets);
    this.saleUrl = new URL('/sale', cloudUrl);
  }

  async sale(register: BenchRegister): Promise<Outcome> {
    const docNumber = `B-${this.tag}-${(this.seq += 1)}`;
    const answer = await postText(
      this.http,
      this.saleUrl,
      { authorization: `Bearer ${register.posKey}`, 'content-type': 'application/json' },
      JSON.stringify(saleBody(docNumber)),
      30_000,
    );
    let parsed: { status?: string; code?: number; message?: string } = {};
    try {
      parsed = JSON.parse(answer.body) as typeof parsed;
    } catch {
      // reported below with the raw body
    }
    if (answer.status === 200 && parsed.status === 'success' && parsed.code === 0) return { ok: true };
    return {
      ok: false,
      error: `HTTP ${answer.status}, code ${parsed.code ?? '?'}: ${parsed.message ?? answer.body.slice(0, 200)}`,
    };
  }

  close(): void {
    this.http.destroy();
  }
}

/** The agent's own transport to the register (one client per register, calls in order). */
function directClients(registers: BenchRegister[]): CashCoreClient[] {
  return registers.map(
    (r) => new CashCoreClient({ baseUrl: r.simUrl, accessCode: ACCESS_CODE, timeoutMs: 30_000 }),
  );
}

async function measured<T>(world: ChainWorld, run: () => Promise<T>): Promise<{ result: T; cpu: CpuReport }> {
  const window = cpuWindow(world.cpuSubjects());
  const result = await run();
  return { result, cpu: window.stop() };
}

function describe(result: LoadResult): string {
  const sorted = [...result.latencies].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)] ?? NaN;
  return `${result.latencies.length} ok, ${result.errors} errors, p50 ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms, ${result.completedPerSec.toFixed(0)}/s`;
}

/**
 * Everything else on the machine competes for the same two cores: optionally wait for a quiet
 * moment, then measure (5 s) and report what is left.
 */
async function backgroundLoad(waitQuietMs: number): Promise<number> {
  const deadline = Date.now() + waitQuietMs;
  for (;;) {
    const idle = cpuWindow([]);
    await new Promise((r) => setTimeout(r, 5_000));
    const busy = idle.stop().machineBusyPercent;
    log(`background load: ${busy.toFixed(0)} % of the machine`);
    if (busy < 25 || Date.now() + 10_000 > deadline) return busy;
    await new Promise((r) => setTimeout(r, 10_000));
  }
}

async function benchmark(
  group: ProcessGroup,
  options: Options,
  profileDir: string | undefined,
): Promise<Omit<RelayReportInput, 'profiles'>> {
  if (options.build) {
    log('building the agent (npx nx build agent)');
    execFileSync('npx', ['nx', 'build', 'agent'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const backgroundBusyPercent = await backgroundLoad(options.waitQuietMs);
  const world = new ChainWorld(group, { ...options, ...(profileDir ? { profileDir } : {}) });
  await world.start(log);
  const registers = world.registers;
  const maxClients = Math.max(...options.clients) * registers.length;
  const pos = new PosClients(world.cloudUrl, maxClients + 8);
  const direct = directClients(registers);
  const ticket = tradeOperationRequest();
  const tradeOperation = async (index: number): Promise<Outcome> => {
    const answer = await (direct[index] as CashCoreClient).call('TradeOperation', ticket, { fiscal: true });
    return answer.ok ? { ok: true } : { ok: false, error: answer.error.message };
  };
  const readThenTrade = async (index: number): Promise<Outcome> => {
    const read = await (direct[index] as CashCoreClient).call('GetKKMList', { ofd_id: KKM_OFD_ID });
    if (!read.ok) return { ok: false, error: read.error.message };
    return tradeOperation(index);
  };

  // Every register once through the chain (this also opens its shift), so a broken setup fails here.
  log('smoke: one sale per register through the chain');
  for (const register of registers) {
    const outcome = await pos.sale(register);
    if (!outcome.ok) throw new Error(`first sale on register ${register.id} failed: ${outcome.error}`);
  }

  const latency: LatencyRun[] = [];
  const pick = (seq: number) => seq % registers.length;
  for (const rate of options.rates) {
    const fixedRate = { ratePerSec: rate, warmupMs: options.warmupMs, durationMs: options.durationMs };
    log(`latency at ${rate}/s: (a) direct TradeOperation`);
    const a = await measured(world, () => openLoop((seq) => tradeOperation(pick(seq)), fixedRate));
    log(`  ${describe(a.result)}`);
    log(`latency at ${rate}/s: (a′) direct GetKKMList + TradeOperation`);
    const a2 = await measured(world, () => openLoop((seq) => readThenTrade(pick(seq)), fixedRate));
    log(`  ${describe(a2.result)}`);
    log(`latency at ${rate}/s: (b) POS → cloud → broker → agent → simulator → back`);
    const b = await measured(world, () =>
      openLoop((seq) => pos.sale(registers[pick(seq)] as BenchRegister), fixedRate),
    );
    log(`  ${describe(b.result)}`);
    latency.push({ rate, direct: a.result, directWithRead: a2.result, chain: b.result, chainCpu: b.cpu });
  }

  // Where one sale's time goes: sequential sales, each followed by the cloud's record of it.
  log('anatomy: 30 sequential sales, each followed by its document');
  const anatomy: SaleAnatomy[] = [];
  for (let i = 0; i < 30; i += 1) {
    const startedAt = performance.now();
    const outcome = await pos.sale(registers[i % registers.length] as BenchRegister);
    const total = performance.now() - startedAt;
    if (!outcome.ok) continue;
    const document = await world.latestDocument();
    if (!document.completedAt || document.deviceMs === null) continue;
    const relayed = Date.parse(document.completedAt) - Date.parse(document.requestedAt);
    anatomy.push({
      total,
      cloudOwn: total - relayed,
      relayed: relayed - document.deviceMs,
      device: document.deviceMs,
    });
  }

  const throughput: ThroughputRun[] = [];
  for (const perRegister of options.clients) {
    const clients = perRegister * registers.length;
    log(`throughput: ${clients} closed-loop clients (${perRegister} per register)`);
    const pgBefore = world.pgCounters();
    const run = await measured(world, () =>
      closedLoop(clients, (client) => pos.sale(registers[client % registers.length] as BenchRegister), {
        warmupMs: options.warmupMs,
        durationMs: options.throughputMs,
      }),
    );
    log(`  ${describe(run.result)}`);
    const pgAfter = world.pgCounters();
    const perSale = (n: number) => n / Math.max(1, run.result.answeredTotal);
    throughput.push({
      perRegister,
      clients,
      result: run.result,
      cpu: run.cpu,
      postgresPerSale: {
        commits: perSale(pgAfter.commits - pgBefore.commits),
        inserted: perSale(pgAfter.inserted - pgBefore.inserted),
        updated: perSale(pgAfter.updated - pgBefore.updated),
      },
    });
  }
  pos.close();

  return {
    backgroundBusyPercent,
    options: {
      warmupMs: options.warmupMs,
      durationMs: options.durationMs,
      throughputMs: options.throughputMs,
      registers: registers.length,
      agents: options.agents,
      simProcesses: world.simHosts.length,
    },
    latency,
    anatomy,
    throughput,
  };
}

async function main(): Promise<void> {
  const options = readOptions();
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const group = new ProcessGroup();
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping every process this benchmark started`);
    void group.stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const profileDir = options.profile ? mkdtempSync(join(tmpdir(), 'bench-relay-profiles-')) : undefined;
  let input: Omit<RelayReportInput, 'profiles'>;
  try {
    input = await benchmark(group, options, profileDir);
  } finally {
    log('stopping processes');
    await group.stopAll();
  }
  // Profiles are written when the processes exit, so they are read only now.
  const profiles = profileDir
    ? readdirSync(profileDir).map((name) => ({
        name,
        ...topFrames(join(profileDir, name), repoRoot),
        areas: topAreas(join(profileDir, name), repoRoot),
      }))
    : [];
  if (profileDir) log(`CPU profiles kept in ${profileDir}`);
  const markdown = relayMarkdown({ ...input, profiles });
  if (options.write) {
    writeSection('relay-overhead', markdown);
    // The generated tables are not column-aligned; keep the file as `npm run format:check` wants it.
    const config = await resolveConfig(BENCHMARKS_MD);
    writeFileSync(
      BENCHMARKS_MD,
      await format(readFileSync(BENCHMARKS_MD, 'utf8'), { ...config, filepath: BENCHMARKS_MD }),
    );
  }
  process.stdout.write(`${markdown}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
