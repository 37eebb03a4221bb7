import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { AdminApi } from '@kassa-relay/testing';
import { adminFamily } from './families/admin';
import { httpRawFamily } from './families/http-raw';
import { mqttFamily } from './families/mqtt';
import { saleFamily, validSaleBody } from './families/sale';
import { socketIoFamily } from './families/socketio';
import { wsFamily } from './families/ws';
import { sendHttp } from './http';
import { serialize } from './mutate';
import { loadOperations } from './openapi';
import { Prng, sleep, waitUntil } from '@kassa-relay/testing';
import { compareSnapshots, type Snapshot, StateProbe } from './snapshot';
import {
  FAMILIES,
  type Family,
  type FamilyName,
  type FuzzContext,
  type FuzzInput,
  type Outcome,
} from './types';
import { ADMIN, FuzzWorld, type FuzzTuning, posAnswerWithinMs } from './world';

/** The cloud's POS waits in the fuzz world, pinned: the fuzzer's patience follows from them. */
const FUZZ_TUNING: FuzzTuning = { posWaitMs: 15_000, posResultWaitMs: 20_000 };

export const DEFAULT_WEIGHTS: Record<FamilyName, number> = {
  sale: 28,
  ws: 20,
  socketio: 14,
  http: 10,
  admin: 18,
  mqtt: 10,
};

export interface FuzzOptions {
  inputs: number;
  seed: string;
  /** Inputs in flight at once. */
  concurrency: number;
  /** Inputs between two state snapshots. */
  batchSize: number;
  weights: Record<FamilyName, number>;
  /** Replay a batch input by input to find what changed state (and the inputs around a crash). */
  minimise: boolean;
  /** Send only these input indexes (a reproducer run). */
  only?: number[];
  say: (line: string) => void;
}

export interface Finding {
  index: number;
  family: FamilyName;
  kind: string;
  notes: string[];
  detail: string;
  reproducer: string;
}

interface Bucket {
  count: number;
  examples: Finding[];
}

export interface FamilyTally {
  generated: number;
  /** Valid admin requests: made, not sent (they would change state by design). */
  skipped: number;
  sent: number;
  controls: number;
  accepted: number;
  fiveXX: number;
  nonProtocol: number;
}

export interface FuzzReport {
  seed: string;
  inputs: number;
  durationMs: number;
  families: Record<FamilyName, FamilyTally>;
  kinds: Record<string, number>;
  /** Time spent per input kind (for the slowest kinds in the summary). */
  kindMs: Record<string, { count: number; totalMs: number }>;
  fiveXX: Record<string, Bucket>;
  nonProtocol: Record<string, Bucket>;
  acl: Bucket;
  crashes: Finding[];
  stateChanges: { batch: [number, number]; changes: string[]; culprits: Finding[] }[];
  stalls: string[];
  cloudErrors: Record<string, number>;
  controlsFailed: Bucket;
  rss: { startKib: number; endKib: number; peakKib: number; growthPercent: number };
  cloudStarts: number;
  batches: number;
  machine: string;
}

const EXAMPLES_KEPT = 5;

function pushExample(bucket: Bucket, finding: Finding): void {
  bucket.count += 1;
  if (bucket.examples.length < EXAMPLES_KEPT) bucket.examples.push(finding);
}

/** The resident set size of a process (`VmRSS` in /proc/<pid>/status), in KiB; 0 when unreadable. */
function rssKib(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * The cloud's RSS, read every second for the whole run, to tell the memory it keeps from the
 * garbage it has not collected yet. V8 lets the old generation grow to about 2.5× what survived the
 * last full collection before it collects again, so under load the cloud's RSS is a sawtooth —
 * measured: 430 → 600 MiB and back every 1½–3½ minutes, with the same ≈ 95 MiB of live heap after
 * each collection — and an idle cloud does not reliably collect within a minute. One sample lands
 * anywhere on a tooth: the same seed read +6 % to +48 % depending on where the run ended. The
 * troughs are what the cloud holds; a leak raises them. So growth compares the lowest RSS in the
 * first third of the run after the warm-up with the lowest in the last third (each at least
 * `MIN_WINDOW_MS`, so each spans a collection, but at most half the run: a short run compares its
 * halves, and may then read a tooth's height as growth).
 */
class RssWatch {
  private readonly samples: { at: number; kib: number }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pid: () => number) {}

  start(): void {
    this.timer = setInterval(() => {
      const kib = rssKib(this.pid());
      if (kib) this.samples.push({ at: Date.now(), kib });
    }, 1_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  get latestKib(): number {
    return this.samples.at(-1)?.kib ?? rssKib(this.pid());
  }

  get peakKib(): number {
    return this.samples.reduce((peak, sample) => Math.max(peak, sample.kib), 0);
  }

  /** The lowest RSS sampled in [from, to]; 0 when none was. */
  lowest(from: number, to: number): number {
    let low = 0;
    for (const { at, kib } of this.samples) if (at >= from && at <= to && (!low || kib < low)) low = kib;
    return low;
  }
}

/** The shortest window a growth trough is looked for in: longer than the slowest sawtooth measured. */
const MIN_WINDOW_MS = 4 * 60_000;

/**
 * The fuzz run: the world up, then inputs in batches. Between two batches the state is read
 * (every batch's inputs are judged invalid by the fuzzer's oracles, so nothing may change);
 * valid inputs (controls) run apart, after the batch, and the state is read again after them.
 */
export class Fuzzer {
  readonly world: FuzzWorld;
  private probe!: StateProbe;
  private ctx!: FuzzContext;
  private families = new Map<FamilyName, Family>();
  private readonly root: Prng;
  private inFlight = new Set<FuzzInput>();
  private crashed = false;
  private report!: FuzzReport;
  /** Every input sent, one line each (index, kind, the request cut short): what came before a finding. */
  private inputsLog: WriteStream | undefined;

  constructor(private readonly options: FuzzOptions) {
    this.root = new Prng(options.seed);
    this.world = new FuzzWorld(options.say, FUZZ_TUNING);
  }

  /** Input `index` of this seed, made again (the same whatever ran before it). */
  input(index: number): FuzzInput {
    const prng = this.root.fork(`input/${index}`);
    const weights = FAMILIES.map((f) => [f, this.options.weights[f] ?? 0] as const).filter(([, w]) => w > 0);
    const family = prng.weighted(weights);
    try {
      return (this.families.get(family) as Family).generate(prng, index);
    } catch (error) {
      // A generator bug must not end the run: it is counted (as the fuzzer's own error) and shown.
      const message = (error as Error).stack?.slice(0, 400) ?? String(error);
      return {
        index,
        family,
        kind: `${family}.generator-error`,
        notes: [message],
        invalid: true,
        describe: () => `(the generator failed: ${message})`,
        run: async () => ({ nonProtocol: { kind: `${family}.fuzzer-error`, detail: message } }),
      };
    }
  }

  async run(): Promise<FuzzReport> {
    const started = Date.now();
    const { say } = this.options;
    this.report = emptyReport(this.options.seed, this.options.inputs);
    try {
      await this.world.start();
      this.world.onCloudLine = (line) => this.onCloudLine(line);
      this.watchCloud();
      await this.setup();
      // The probe must see what a sale changes, or every "no state change" below would mean nothing.
      const empty = await this.settledSnapshot();
      if (!(await this.controlSales(2)))
        throw new Error('valid sales do not fiscalize: the world is not usable');
      let baseline = await this.settledSnapshot();
      const seen = compareSnapshots(empty, baseline);
      if (!seen.some((c) => c.includes('journal')) || !seen.some((c) => c.startsWith('FiscalDocument')))
        throw new Error(`the state probe did not see four valid sales (${seen.join('; ') || 'no change'})`);
      await this.refreshDocuments();
      const indexes = this.options.only ?? Array.from({ length: this.options.inputs }, (_, i) => i);
      const warmupEnd = Math.min(
        indexes.length,
        Math.max(500, Math.min(5_000, Math.floor(indexes.length / 10))),
      );
      const rss = new RssWatch(() => this.world.cloud?.pid ?? 0);
      rss.start();
      let warmedUpAt = 0;
      let lastProgress = Date.now();
      for (let offset = 0; offset < indexes.length; offset += this.options.batchSize) {
        if (this.stopRequested) {
          // Ctrl-C: the batches sent so far are judged and reported, as a shorter run.
          say(`  stopped early after ${offset} inputs`);
          this.report.inputs = offset;
          break;
        }
        const batchIndexes = indexes.slice(offset, offset + this.options.batchSize);
        const trace: string[] = [];
        let tStep = Date.now();
        const step = (name: string) => {
          trace.push(`${name} ${Date.now() - tStep}`);
          tStep = Date.now();
        };
        // Made in the workers, just before each is sent (making a big one overlaps others' waiting).
        const inputs: FuzzInput[] = [];
        const controls: FuzzInput[] = [];
        const makers = batchIndexes.map((index) => () => {
          const input = this.input(index);
          inputs.push(input);
          const tally = this.report.families[input.family];
          tally.generated += 1;
          if (input.skipped) tally.skipped += 1;
          this.report.kinds[input.kind] = (this.report.kinds[input.kind] ?? 0) + 1;
          if (input.invalid) return input;
          if (!input.skipped) controls.push(input);
          return undefined;
        });
        await this.pool(makers, this.options.concurrency);
        step('pool');
        if (this.crashed) {
          baseline = await this.afterCrash(inputs);
          continue;
        }
        await sleep(150);
        const after = await this.probe.take();
        step('snapshot');
        const changes = compareSnapshots(baseline, after);
        if (changes.length) {
          say(
            `  ✗ state changed in batch ${batchIndexes[0]}–${batchIndexes.at(-1)}: ${changes.slice(0, 3).join('; ')}`,
          );
          const culprits = this.options.minimise
            ? await this.findCulprits(inputs.filter((i) => i.invalid).sort((a, b) => a.index - b.index))
            : [];
          this.report.stateChanges.push({
            batch: [batchIndexes[0] ?? 0, batchIndexes.at(-1) ?? 0],
            changes: changes.slice(0, 30),
            culprits,
          });
        }
        if (controls.length) {
          await this.pool(controls, 1, true);
          await waitUntil(
            async () => (await this.probe.pendingOn(this.ctx.registers.map((r) => r.id))) === 0,
            20_000,
            'controls to settle',
          ).catch(() =>
            this.report.stalls.push(
              `documents of the real registers still pending 20 s after the controls of batch ${batchIndexes[0]}`,
            ),
          );
        }
        step(`controls(${controls.length})`);
        this.report.batches += 1;
        if (this.report.batches % 10 === 0) {
          await this.liveness(`after input ${batchIndexes.at(-1)}`);
          await this.refreshDocuments();
        }
        if (this.crashed) {
          baseline = await this.afterCrash(inputs);
          continue;
        }
        baseline =
          controls.length || changes.length || this.report.batches % 10 === 0
            ? await this.settledSnapshot()
            : after;
        step('rebase');
        if (process.env['FUZZ_TRACE']) say(`    batch ${this.report.batches}: ${trace.join(', ')}`);
        if (!warmedUpAt && offset + batchIndexes.length >= warmupEnd) {
          warmedUpAt = Date.now();
          say(
            `  warm-up done after ${offset + batchIndexes.length} inputs: cloud RSS ${(rss.latestKib / 1024).toFixed(1)} MiB`,
          );
        }
        if (Date.now() - lastProgress > 15_000 || offset + batchIndexes.length >= indexes.length) {
          lastProgress = Date.now();
          say(
            `  ${offset + batchIndexes.length}/${indexes.length} inputs, ${((Date.now() - started) / 1000).toFixed(0)} s: ${this.shortCounts()}`,
          );
        }
      }
      await this.liveness('at the end');
      // A quiet spell: an idle cloud may collect (V8's memory reducer), a trough the end window sees.
      await sleep(30_000);
      rss.stop();
      const endedAt = Date.now();
      if (!warmedUpAt) warmedUpAt = started;
      // A third of the run each, at least MIN_WINDOW_MS, at most half: the two never overlap (a
      // trough both saw would make any growth read 0).
      const span = endedAt - warmedUpAt;
      const window = Math.min(Math.max(MIN_WINDOW_MS, span / 3), span / 2);
      this.report.rss.startKib = rss.lowest(warmedUpAt, warmedUpAt + window) || rss.latestKib;
      this.report.rss.endKib = rss.lowest(endedAt - window, endedAt) || rss.latestKib;
      this.report.rss.peakKib = rss.peakKib;
      this.report.rss.growthPercent = this.report.rss.startKib
        ? Math.round(
            ((this.report.rss.endKib - this.report.rss.startKib) / this.report.rss.startKib) * 1000,
          ) / 10
        : 0;
    } finally {
      this.report.durationMs = Date.now() - started;
      this.report.cloudStarts = this.world.cloudStarts;
      this.stopping = true;
      for (const family of this.families.values()) await family.close?.().catch(() => undefined);
      await this.probe?.close();
      this.inputsLog?.end();
      await this.world.stop();
    }
    return this.report;
  }

  private shortCounts(): string {
    const r = this.report;
    const five = Object.values(r.fiveXX).reduce((n, b) => n + b.count, 0);
    const non = Object.values(r.nonProtocol).reduce((n, b) => n + b.count, 0);
    return `${r.crashes.length} crashes, ${five} 5xx, ${r.stateChanges.length} state changes, ${non} non-protocol, ${r.acl.count} ACL`;
  }

  private async setup(): Promise<void> {
    const w = this.world;
    this.probe = new StateProbe(w, () => w.forgers.map((f) => f.registerId));
    const viewer = new AdminApi(w.cloudUrl, { email: 'spare@example.kz', password: 'spare-user-password-1' });
    await viewer.login();
    const viewerToken = viewer.token;
    this.ctx = {
      cloudUrl: w.cloudUrl,
      httpPort: w.ports.http,
      mqttPort: w.ports.mqtt,
      adminToken: w.adminToken,
      registers: w.registers,
      ownerPosKey: w.ownerPosKey,
      ownerRegisterId: w.owner.registerId,
      revokedPosKey: w.revokedPosKey,
      agentId: w.agentId,
      forgers: w.forgers,
      owner: { agentId: w.owner.agentId, registerId: w.owner.registerId },
      storeId: w.storeId,
      decoyStoreId: w.decoyStoreId,
      organisationId: w.organisationId,
      spareUserId: w.spareUserId,
      spareOperatorId: w.spareOperatorId,
      documents: [],
      operations: await loadOperations(w.cloudUrl, w.adminToken),
      posAnswerWithinMs: posAnswerWithinMs(FUZZ_TUNING),
    };
    this.families.set('sale', saleFamily(this.ctx));
    this.families.set('ws', wsFamily(this.ctx));
    this.families.set('socketio', socketIoFamily(this.ctx));
    this.families.set('http', httpRawFamily(this.ctx));
    this.families.set('admin', adminFamily(this.ctx, viewerToken));
    this.families.set('mqtt', mqttFamily(this.ctx));
    this.options.say(`logs: ${w.logsDir} (cloud.log, agent.log, inputs.log)`);
    this.inputsLog = createWriteStream(join(w.logsDir, 'inputs.log'), { flags: 'a' });
    this.options.say(
      `OpenAPI: ${this.ctx.operations.length} operations; families: ${FAMILIES.filter((f) => this.options.weights[f]).join(', ')}`,
    );
  }

  private async refreshDocuments(): Promise<void> {
    this.ctx.documents = await this.probe.documents().catch(() => this.ctx.documents);
  }

  private watchCloud(): void {
    const cloud = this.world.cloud;
    void cloud?.exited.then(({ code, signal }) => {
      if (this.world.cloud !== cloud || this.stopping) return;
      this.crashed = true;
      this.options.say(
        `  ✗ the cloud exited (${signal ?? `code ${code}`}) with ${this.inFlight.size} inputs in flight`,
      );
      this.crashTail = cloud.lastLines(15);
    });
  }

  private stopping = false;
  private stopRequested = false;

  /** Ends the run after the batch in flight: the report then covers the inputs sent so far. */
  requestStop(): void {
    this.stopRequested = true;
  }
  private crashTail = '';

  private onCloudLine(line: string): void {
    if (!line.startsWith('{')) {
      if (/Error|at /.test(line))
        this.report.cloudErrors[`stderr: ${line.slice(0, 120)}`] =
          (this.report.cloudErrors[`stderr: ${line.slice(0, 120)}`] ?? 0) + 1;
      return;
    }
    try {
      const entry = JSON.parse(line) as {
        level?: number;
        msg?: string;
        err?: { message?: string; type?: string };
      };
      if ((entry.level ?? 0) < 50) return;
      const key = `${entry.msg ?? '?'}${entry.err?.message ? `: ${entry.err.message.split('\n')[0]?.slice(0, 160)}` : ''}`;
      this.report.cloudErrors[key] = (this.report.cloudErrors[key] ?? 0) + 1;
    } catch {
      // not a log line
    }
  }

  /** Runs inputs (or makers of inputs: undefined is not to be run) with at most `concurrency` in flight, tallying each outcome. */
  private async pool(
    inputs: (FuzzInput | (() => FuzzInput | undefined))[],
    concurrency: number,
    controls = false,
  ): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < inputs.length && !this.crashed) {
        const item = inputs[next] as FuzzInput | (() => FuzzInput | undefined);
        next += 1;
        const input = typeof item === 'function' ? item() : item;
        if (!input) continue;
        this.inFlight.add(input);
        let shown: string;
        try {
          shown = input.describe().slice(0, 600);
        } catch (error) {
          // A fuzzer bug in describing an input must not end the run.
          shown = `(describe failed: ${(error as Error).message})`;
        }
        this.inputsLog?.write(
          `${new Date().toISOString()} #${input.index} ${input.kind}${controls ? ' (control)' : ''} ${JSON.stringify(shown)}\n`,
        );
        let outcome: Outcome;
        const t0 = Date.now();
        try {
          outcome = await input.run();
        } catch (error) {
          outcome = {
            nonProtocol: {
              kind: `${input.family}.fuzzer-error`,
              detail: (error as Error).stack?.slice(0, 300) ?? String(error),
            },
          };
        }
        this.inFlight.delete(input);
        const ms = (this.report.kindMs[input.kind] ??= { count: 0, totalMs: 0 });
        ms.count += 1;
        ms.totalMs += Date.now() - t0;
        this.tally(input, outcome, controls);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, inputs.length) }, worker));
  }

  private finding(input: FuzzInput, detail: string): Finding {
    return {
      index: input.index,
      family: input.family,
      kind: input.kind,
      notes: input.notes,
      detail,
      reproducer: input.describe(),
    };
  }

  private tally(input: FuzzInput, outcome: Outcome, control: boolean): void {
    const family = this.report.families[input.family];
    family.sent += 1;
    if (control) family.controls += 1;
    if (outcome.accepted) family.accepted += 1;
    if (outcome.fiveXX) {
      family.fiveXX += 1;
      const key = `${outcome.fiveXX.status} ${outcome.fiveXX.route}`;
      this.report.fiveXX[key] ??= { count: 0, examples: [] };
      pushExample(this.report.fiveXX[key], this.finding(input, outcome.fiveXX.body));
      this.options.say(`  ✗ ${key} (input ${input.index})`);
    }
    if (outcome.nonProtocol) {
      family.nonProtocol += 1;
      this.report.nonProtocol[outcome.nonProtocol.kind] ??= { count: 0, examples: [] };
      pushExample(
        this.report.nonProtocol[outcome.nonProtocol.kind] as Bucket,
        this.finding(input, outcome.nonProtocol.detail),
      );
    }
    if (outcome.acl) pushExample(this.report.acl, this.finding(input, outcome.acl));
    if (control && input.kind === 'sale.control' && !outcome.accepted)
      pushExample(this.report.controlsFailed, this.finding(input, outcome.answer ?? ''));
  }

  /** A snapshot once the real registers have nothing pending. */
  private async settledSnapshot(): Promise<Snapshot> {
    await waitUntil(
      async () => (await this.probe.pendingOn(this.ctx.registers.map((r) => r.id))) === 0,
      20_000,
      'no pending documents',
    ).catch(() => undefined);
    await sleep(100);
    return this.probe.take();
  }

  /** Valid sales on each real register (documents to aim forgeries at; the product still fiscalizes). */
  private async controlSales(perRegister: number, label = 'setup'): Promise<boolean> {
    const prng = this.root.fork(`control/${label}`);
    let ok = true;
    for (const register of this.ctx.registers)
      for (let i = 0; i < perRegister; i += 1) {
        const body = serialize(validSaleBody(prng, `CTRL-${label}-${register.kind}-${i}-${prng.hex(6)}`));
        const answer = await sendHttp({
          port: this.ctx.httpPort,
          method: 'POST',
          path: '/sale',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${register.posKey}` },
          body: Buffer.from(body),
          timeoutMs: 30_000,
        });
        const code =
          'error' in answer
            ? undefined
            : (JSON.parse(answer.body.toString() || '{}') as { code?: number }).code;
        if (code !== 0) {
          ok = false;
          this.options.say(
            `  ✗ a valid sale on the ${register.kind} (${label}) answered ${'error' in answer ? answer.error : answer.body.toString().slice(0, 200)}`,
          );
        }
      }
    return ok;
  }

  private async liveness(when: string): Promise<void> {
    if (this.crashed) return;
    const ok = await this.controlSales(1, `live-${this.report.batches}`);
    if (!ok) this.report.stalls.push(`a valid sale did not fiscalize ${when}`);
  }

  /** Replays a batch's inputs one by one with a snapshot around each: the ones that change state. */
  private async findCulprits(inputs: FuzzInput[]): Promise<Finding[]> {
    const culprits: Finding[] = [];
    this.options.say(`    replaying ${inputs.length} inputs one by one…`);
    let before = await this.settledSnapshot();
    for (const input of inputs) {
      if (this.crashed) break;
      const replay = this.input(input.index);
      const outcome = await replay.run().catch((error: Error) => ({ answer: error.message }) as Outcome);
      await sleep(250);
      const after = await this.probe.take();
      const changes = compareSnapshots(before, after);
      if (changes.length) {
        culprits.push(
          this.finding(replay, `${changes.slice(0, 5).join('; ')} (answer: ${outcome.answer ?? '?'})`),
        );
        this.options.say(`    input ${input.index} (${input.kind}) changes state: ${changes[0]}`);
        if (culprits.length >= 3) break;
        before = await this.settledSnapshot();
      } else before = after;
    }
    return culprits;
  }

  /** The cloud died: start it again, then replay the batch one input at a time to find the one that kills it. */
  private async afterCrash(batch: FuzzInput[]): Promise<Snapshot> {
    const suspects = [...batch];
    const crash: Finding = {
      index: -1,
      family: 'sale',
      kind: 'crash',
      notes: [],
      detail: this.crashTail,
      reproducer: '',
    };
    this.report.crashes.push(crash);
    this.crashed = false;
    await this.restart();
    if (this.options.minimise) {
      this.options.say(`    replaying ${suspects.length} inputs one by one to find the crash…`);
      for (const input of suspects) {
        const replay = this.input(input.index);
        await replay.run().catch(() => undefined);
        await sleep(300);
        if (this.crashed) {
          Object.assign(crash, this.finding(replay, this.crashTail));
          this.options.say(`    input ${input.index} (${input.kind}) kills the cloud`);
          this.crashed = false;
          await this.restart();
          break;
        }
      }
    }
    return this.settledSnapshot();
  }

  private async restart(): Promise<void> {
    await this.probe.reset();
    await this.world.restartCloud();
    this.ctx.adminToken = this.world.adminToken;
    this.watchCloud();
  }
}

function emptyReport(seed: string, inputs: number): FuzzReport {
  const families = Object.fromEntries(
    FAMILIES.map((f) => [
      f,
      { generated: 0, skipped: 0, sent: 0, controls: 0, accepted: 0, fiveXX: 0, nonProtocol: 0 },
    ]),
  ) as Record<FamilyName, FamilyTally>;
  return {
    seed,
    inputs,
    durationMs: 0,
    families,
    kinds: {},
    kindMs: {},
    fiveXX: {},
    nonProtocol: {},
    acl: { count: 0, examples: [] },
    crashes: [],
    stateChanges: [],
    stalls: [],
    cloudErrors: {},
    controlsFailed: { count: 0, examples: [] },
    rss: { startKib: 0, endKib: 0, peakKib: 0, growthPercent: 0 },
    cloudStarts: 0,
    batches: 0,
    machine: '',
  };
}

export { ADMIN };
