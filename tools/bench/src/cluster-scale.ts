/**
 * Scale-out of the cloud (issue 14): sustained /sale throughput through 1, 2 and 3 cloud instances
 * behind HAProxy on one PostgreSQL and one Mosquitto (dynamic security), fleet agents answering;
 * one instance SIGKILLed under load (every request final by repeating it, 0 duplicates, 0 lost);
 * and the CPU one sale costs the cloud and PostgreSQL next to a bare floor measured in the same
 * run (tools/bench/src/cluster/floor-server.ts: one INSERT, one MQTT round trip, one UPDATE).
 *
 *   npm run bench:cluster                      (~6 minutes; rewrites its section of docs/benchmarks.md)
 *   npm run bench:cluster -- --help
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ClusterWorld } from '@kassa-relay/cluster';
import { enrollFleet, Fleet, type FleetAgentCredentials } from '@kassa-relay/fleet';
import { type SaleAnswer, saleAnswerSchema } from '@kassa-relay/protocol';
import { freePort, productEnv, repoRoot, saleBody, tempDir, waitUntil } from '@kassa-relay/testing';
import { machineLine } from './machine';
import { writeSection } from './report';
import { closedLoop, type LoadResult, type Outcome } from './relay/load';
import { cpuWindow, type CpuReport, processTree } from './relay/processes';
import { summarise } from './relay/stats';

const USAGE = `npm run bench:cluster -- [options]
  --agents <n>      fleet agents answering the sales, one register each (default 40)
  --clients <n>     closed-loop POS clients (default 24)
  --warmup <s>      warm-up before each measured run (default 5)
  --duration <s>    measured time of each run (default 20)
  --loss-sales <n>  sales in the instance-loss run (default 300)
  --no-write        print the results, leave docs/benchmarks.md alone`;

interface Options {
  agents: number;
  clients: number;
  warmupMs: number;
  durationMs: number;
  lossSales: number;
  write: boolean;
}

function readOptions(): Options | undefined {
  const { values } = parseArgs({
    options: {
      agents: { type: 'string', default: '40' },
      clients: { type: 'string', default: '24' },
      warmup: { type: 'string', default: '5' },
      duration: { type: 'string', default: '20' },
      'loss-sales': { type: 'string', default: '300' },
      'no-write': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return undefined;
  const n = (name: string, text: string) => {
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
    return value;
  };
  return {
    agents: n('agents', values.agents),
    clients: n('clients', values.clients),
    warmupMs: n('warmup', values.warmup) * 1000,
    durationMs: n('duration', values.duration) * 1000,
    lossSales: n('loss-sales', values['loss-sales']),
    write: !values['no-write'],
  };
}

const say = (line: string) => process.stdout.write(`${line}\n`);

interface ScaleRun {
  instances: number;
  load: LoadResult;
  cpu: CpuReport;
}

/** CPU milliseconds per answered sale of the subjects whose name starts with `prefix`. */
function cpuMsPerSale(run: { load: LoadResult; cpu: CpuReport }, prefix: string): number {
  const percent = run.cpu.perSubject
    .filter((s) => s.name.startsWith(prefix))
    .reduce((sum, s) => sum + s.percentOfCore, 0);
  // percent of a core = CPU ms per 10 ms of wall time.
  return (percent * 10) / run.load.completedPerSec;
}

async function main(): Promise<void> {
  const options = readOptions();
  if (!options) {
    say(USAGE);
    return;
  }
  const dir = tempDir('kassa-bench-cluster-');
  const world = new ClusterWorld({
    dir: join(dir.path, 'run'),
    logsDir: join(dir.path, 'logs'),
    instances: 3,
    running: 1,
    store: false,
    admin: { email: 'bench@example.kz', password: 'bench-password-42' },
    posWaitMs: 20_000,
    logLevel: 'warn',
    label: 'bench-cluster',
  });
  let fleet: Fleet | undefined;
  let finished = false;
  try {
    await world.start(say);
    const credentials = await enrollFleet(world.api, {
      agents: options.agents,
      concurrency: 8,
      label: 'bench',
    });
    fleet = new Fleet(credentials, { mqttVersion: 5, deviceMs: 0 });
    fleet.start();
    await waitUntil(() => fleet!.connected === credentials.length, 120_000, 'the fleet connected', 500);
    await waitUntil(
      async () => (await world.api.api.agents.list()).filter((a) => a.online).length === credentials.length,
      120_000,
      'the fleet online in the cloud',
      500,
    );
    const keys = await Promise.all(
      credentials.map(
        async (agent) =>
          (await world.api.api.posKeys.create({ registerId: agent.registers[0]!.id, name: 'bench' })).key,
      ),
    );
    say(`${credentials.length} fleet agents online, a POS key each`);

    const postgresPids = () => {
      const pidFile = join(dir.path, 'run', 'postgres', 'postmaster.pid');
      return processTree(Number(readFileSync(pidFile, 'utf8').split('\n')[0]));
    };
    const cloudSubjects = () =>
      world.instances.map((instance) => ({
        name: `cloud ${instance.id}`,
        part: 'cloud' as const,
        pids: () => (instance.program?.running ? processTree(instance.program.pid) : []),
      }));
    let docs = 0;
    const sale = async (target: string, key: string, docNumber: string): Promise<SaleAnswer | undefined> => {
      try {
        const response = await fetch(`${target}/sale`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify(saleBody(docNumber)),
          signal: AbortSignal.timeout(30_000),
        });
        return response.status === 200 ? saleAnswerSchema.parse(await response.json()) : undefined;
      } catch {
        return undefined;
      }
    };
    const send = async (_client: number, seq: number): Promise<Outcome> => {
      const answer = await sale(world.url, keys[seq % keys.length]!, `S-${(docs += 1)}`);
      return answer?.code === 0 ? { ok: true } : { ok: false, error: JSON.stringify(answer ?? 'no answer') };
    };

    // 1. Sustained throughput through 1, 2, 3 instances.
    const runs: ScaleRun[] = [];
    for (let running = 1; running <= 3; running += 1) {
      if (running > 1) await world.startInstance(world.instances[running - 1]!);
      // HAProxy's check (every second) takes the new instance into the rotation.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const window = cpuWindow([
        ...cloudSubjects(),
        { name: 'PostgreSQL', part: 'PostgreSQL', pids: postgresPids },
      ]);
      const load = await closedLoop(options.clients, send, {
        warmupMs: options.warmupMs,
        durationMs: options.durationMs,
      });
      const cpu = window.stop();
      runs.push({ instances: running, load, cpu });
      say(
        `${running} instance(s): ${load.completedPerSec.toFixed(1)} sales/s, p50 ${summarise(load.latencies).p50.toFixed(1)} ms, p99 ${summarise(load.latencies).p99.toFixed(1)} ms, ${load.errors} errors, machine ${cpu.machineBusyPercent.toFixed(0)} % busy`,
      );
    }

    // 2. One of three SIGKILLed under load: every request repeated until final.
    const loss = await instanceLoss(world, fleet, keys, options, sale);
    say(
      `instance loss: ${loss.final}/${loss.sales} final, ${loss.duplicates} duplicates, ${loss.lost} lost, ${loss.repeats} repeats, longest ${(loss.longestMs / 1000).toFixed(1)} s`,
    );

    // 3. The bare floor, on the same database, broker and fleet, with the cloud stopped.
    for (const instance of world.instances) await instance.program?.stop();
    const floor = await floorRun(world, credentials, options);
    const cloud3 = runs[2]!;
    say(
      `cost per sale: cloud ${cpuMsPerSale(cloud3, 'cloud').toFixed(2)} ms + PostgreSQL ${cpuMsPerSale(cloud3, 'PostgreSQL').toFixed(2)} ms; floor ${cpuMsPerSale(floor, 'floor').toFixed(2)} ms + PostgreSQL ${cpuMsPerSale(floor, 'PostgreSQL').toFixed(2)} ms`,
    );
    const markdown = report(options, runs, loss, floor);
    if (options.write) writeSection('cluster', markdown);
    else say(markdown);
    finished = true;
  } finally {
    await fleet?.stop();
    await world.stop();
    // A failed run keeps its logs (each instance's, HAProxy's): the reason is in them.
    if (finished) dir.remove();
    else {
      rmSync(join(dir.path, 'run'), { recursive: true, force: true });
      say(`logs kept in ${join(dir.path, 'logs')}`);
    }
  }

  async function floorRun(
    cluster: ClusterWorld,
    credentials: FleetAgentCredentials[],
    opts: Options,
  ): Promise<{ load: LoadResult; cpu: CpuReport }> {
    const port = await freePort();
    const floor = cluster.processes.start({
      name: 'floor',
      command: process.execPath,
      args: ['--import', 'tsx', join(repoRoot, 'tools/bench/src/cluster/floor-server.ts')],
      cwd: repoRoot,
      env: productEnv({
        DATABASE_URL: cluster.databaseUrl,
        MQTT_URL: cluster.mosquitto.url,
        MQTT_USERNAME: cluster.mosquitto.admin.username,
        MQTT_PASSWORD: cluster.mosquitto.admin.password,
        PORT: String(port),
      }),
    });
    await floor.waitForLine(/floor listening/, 60_000);
    const pidFile = join(dir.path, 'run', 'postgres', 'postmaster.pid');
    const window = cpuWindow([
      { name: 'floor', part: 'cloud', pids: () => processTree(floor.pid) },
      {
        name: 'PostgreSQL',
        part: 'PostgreSQL',
        pids: () => processTree(Number(readFileSync(pidFile, 'utf8').split('\n')[0])),
      },
    ]);
    const load = await closedLoop(
      opts.clients,
      async (_client, seq) => {
        const agent = credentials[seq % credentials.length]!;
        try {
          const response = await fetch(`http://127.0.0.1:${port}/sale`, {
            method: 'POST',
            body: JSON.stringify({
              agentId: agent.agentId,
              registerId: agent.registers[0]!.id,
              amount: 35_000,
            }),
            signal: AbortSignal.timeout(30_000),
          });
          const text = await response.text();
          return response.ok && text.includes('"status":"done"') ? { ok: true } : { ok: false, error: text };
        } catch (error) {
          return { ok: false, error: (error as Error).message };
        }
      },
      { warmupMs: opts.warmupMs, durationMs: opts.durationMs },
    );
    const cpu = window.stop();
    await floor.stop();
    say(`floor: ${load.completedPerSec.toFixed(1)} sales/s, ${load.errors} errors`);
    return { load, cpu };
  }
}

interface LossResult {
  sales: number;
  final: number;
  duplicates: number;
  lost: number;
  repeats: number;
  longestMs: number;
}

/**
 * `sales` POS requests from `clients` clients through HAProxy, each repeated (same body) until its
 * answer is final; a third of the way in, one of the three instances gets SIGKILL. Every receipt
 * is then counted in the fleet's own journals: exactly one per sale.
 */
async function instanceLoss(
  world: ClusterWorld,
  fleet: Fleet,
  keys: string[],
  options: Options,
  sale: (target: string, key: string, docNumber: string) => Promise<SaleAnswer | undefined>,
): Promise<LossResult> {
  const result: LossResult = {
    sales: options.lossSales,
    final: 0,
    duplicates: 0,
    lost: 0,
    repeats: 0,
    longestMs: 0,
  };
  const queue = Array.from({ length: options.lossSales }, (_, n) => n);
  let done = 0;
  const victim = world.instances[1]!;
  const kill = (async () => {
    await waitUntil(() => done >= options.lossSales / 3, 600_000, 'a third of the sales', 50);
    await world.killInstance(victim);
  })();
  const deadline = Date.now() + 600_000;
  await Promise.all(
    Array.from({ length: options.clients }, async () => {
      for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
        const docNumber = `L-${n}`;
        const started = Date.now();
        for (let attempt = 0; Date.now() < deadline; attempt += 1) {
          const answer = await sale(world.url, keys[n % keys.length]!, docNumber);
          if (answer && answer.code !== 5) {
            if (answer.code === 0) result.final += 1;
            break;
          }
          result.repeats += 1;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
        result.longestMs = Math.max(result.longestMs, Date.now() - started);
        done += 1;
      }
    }),
  );
  await kill;
  for (let n = 0; n < options.lossSales; n += 1) {
    const printed = fleet.receiptsFor(`L-${n}`).length;
    if (printed === 0) result.lost += 1;
    if (printed > 1) result.duplicates += printed - 1;
  }
  return result;
}

/** What the runs say about scaling out, in words, from their own numbers. */
function whereItStops(runs: ScaleRun[]): string {
  const first = runs[0]!;
  const last = runs[runs.length - 1]!;
  const best = runs.reduce((a, b) => (b.load.completedPerSec > a.load.completedPerSec ? b : a));
  const pgMs = cpuMsPerSale(first, 'PostgreSQL');
  return `the most sales/s came with ${best.instances} instance(s), on this machine ${first.cpu.machineBusyPercent.toFixed(0)} % busy already with one. Every part runs on the same two cores (PostgreSQL, Mosquitto, HAProxy, the fleet and the load generator besides the instances), so another instance adds work per sale and no core: cloud CPU per sale goes from ${cpuMsPerSale(first, 'cloud').toFixed(2)} ms with one instance to ${cpuMsPerSale(last, 'cloud').toFixed(2)} ms with ${last.instances}, PostgreSQL's from ${pgMs.toFixed(2)} to ${cpuMsPerSale(last, 'PostgreSQL').toFixed(2)} ms. With several instances most results are taken from the broker by an instance other than the one the POS request waits on, which costs a NOTIFY and a read of the stored result; each instance also has its own steady work (its broker link, the heartbeats it is handed, the socket.io adapter's heartbeats, the redelivery sweep). Where instances get cores of their own, the bound is PostgreSQL: at ${pgMs.toFixed(2)}–${cpuMsPerSale(last, 'PostgreSQL').toFixed(2)} ms of its CPU per sale, each PostgreSQL core carries roughly ${Math.round(1000 / cpuMsPerSale(last, 'PostgreSQL'))}–${Math.round(1000 / pgMs)} sales/s.`;
}

function report(
  options: Options,
  runs: ScaleRun[],
  loss: LossResult,
  floor: { load: LoadResult; cpu: CpuReport },
): string {
  const base = runs[0]!.load.completedPerSec;
  const rows = runs.map((run) => {
    const latency = summarise(run.load.latencies);
    return `| ${run.instances} | ${run.load.completedPerSec.toFixed(1)} | ${(run.load.completedPerSec / base).toFixed(2)} | ${latency.p50.toFixed(1)} | ${latency.p99.toFixed(1)} | ${run.load.errors} | ${cpuMsPerSale(run, 'cloud').toFixed(2)} | ${cpuMsPerSale(run, 'PostgreSQL').toFixed(2)} | ${run.cpu.machineBusyPercent.toFixed(0)} % |`;
  });
  const cloud3 = runs[2]!;
  const cloudMs = cpuMsPerSale(cloud3, 'cloud');
  const pgMs = cpuMsPerSale(cloud3, 'PostgreSQL');
  const floorMs = cpuMsPerSale(floor, 'floor');
  const floorPgMs = cpuMsPerSale(floor, 'PostgreSQL');
  return `## Cluster: scale-out, instance loss, cost per sale (\`npm run bench:cluster\`)

Measured ${new Date().toISOString().slice(0, 10)} on ${machineLine()}. Everything on this one machine:
PostgreSQL, Debian's Mosquitto with dynamic security, HAProxy, the cloud instances, ${options.agents} fleet
agents (tools/fleet, MQTT 5, answering at once) and ${options.clients} closed-loop POS clients sending
\`POST /sale\` through HAProxy (${options.warmupMs / 1000} s warm-up, ${options.durationMs / 1000} s measured per run).

**Scale-out** (sales/s sustained; ratio to one instance; CPU per sale summed over the instances):

| instances | sales/s | ratio | p50 ms | p99 ms | errors | cloud CPU ms/sale | PostgreSQL CPU ms/sale | machine busy |
| --------- | ------- | ----- | ------ | ------ | ------ | ----------------- | ---------------------- | ------------ |
${rows.join('\n')}

Where it stops: ${whereItStops(runs)}

**Instance loss** (three instances; ${loss.sales} sales, each repeated through HAProxy until its
answer is final; one instance SIGKILLed a third of the way in): ${loss.final} of ${loss.sales} final
with code 0, **${loss.duplicates} duplicates, ${loss.lost} lost** (counted in the fleet agents'
journals), ${loss.repeats} repeats in all, the longest sale ${(loss.longestMs / 1000).toFixed(1)} s from
its first request to its final answer (a result the broker had handed to the killed instance is
recovered by the redelivery sweep: commands/pending-redelivery.ts).

**Cost per sale**, at three instances, next to the bare floor run right after on the same
database, broker and fleet (tools/bench/src/cluster/floor-server.ts: one INSERT, one MQTT round trip,
one UPDATE, no validation, ledger or framework; ${floor.load.completedPerSec.toFixed(1)} sales/s):

| | cloud (or floor) CPU ms/sale | PostgreSQL CPU ms/sale |
| --- | --- | --- |
| kassa-relay cloud | ${cloudMs.toFixed(2)} | ${pgMs.toFixed(2)} |
| bare floor | ${floorMs.toFixed(2)} | ${floorPgMs.toFixed(2)} |
| ratio | ${(cloudMs / floorMs).toFixed(1)} × | ${(pgMs / floorPgMs).toFixed(1)} × |
`;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:cluster failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
