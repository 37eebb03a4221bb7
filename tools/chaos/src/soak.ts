import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { tempDir } from '@kassa-relay/testing';
import type { DocumentDetails, DocumentView } from '@kassa-relay/admin-api';
import { allDocuments } from './admin-api';
import {
  audit,
  type AuditResult,
  cashCoreReceipts,
  ikkmReceipts,
  type Receipt,
  violationTotal,
} from './audit';
import { ClientPool, makeSales, type SaleRecord } from './clients';
import {
  CRASH_POINTS,
  FAULT_KINDS,
  type FaultKind,
  type FaultRecord,
  FaultRunner,
  planFaults,
} from './faults';
import { Prng } from '@kassa-relay/testing';
import { sleep } from '@kassa-relay/testing';
import { ChaosWorld, type RegisterKind, type UnexpectedExit, type WorldTuning } from './world';

export interface SoakOptions {
  sales: number;
  seed: string;
  /** Concurrent POS clients. */
  clients: number;
  kinds: readonly FaultKind[];
  /** About one fault per this many sales (every kind in `kinds` at least once). */
  salesPerFault: number;
  /** Once every sale has started and the last fault is over: how long the clients may still retry. */
  settleMs: number;
  /** The schedule is given up when no sale starts for this long (clients all stuck). */
  stallMs: number;
  tuning: WorldTuning;
  /** The run directory (state, logs, report); default: a new temp directory. */
  dir?: string;
  /** Keep the run directory even when the run passes. */
  keep: boolean;
  say: (line: string) => void;
  /** Handed the world before it starts (a signal handler stops its processes). */
  onWorld?: (world: ChaosWorld) => void;
}

export const DEFAULT_TUNING: WorldTuning = {
  driverTimeoutMs: 4_000,
  processingWindowMs: 15_000,
  posWaitMs: 8_000,
  reconcileRetryMaxMs: 4_000,
  heartbeatIntervalSec: 2,
  keepaliveSec: 5,
};

export interface FaultKindSummary {
  planned: number;
  done: number;
  failed: number;
  skipped: number;
  /** Device faults: calls they hit; agent-crash-at: crashes at the step. */
  fired: number;
}

export interface SaleFindingReport {
  index: number;
  register: RegisterKind;
  docNumber: string;
  amount: number;
  kinds: string[];
  why: string[];
  attempts: number;
  code5: number;
  transportErrors: number;
  /** Seconds since the run started. */
  firstSentAt: number;
  finalAt: number | null;
  final: unknown;
  recent: string[];
  receipts: Receipt[];
  documents: Partial<DocumentDetails>[];
  /** Faults whose time overlapped the sale's. */
  faults: string[];
  /** Agent and cloud log lines naming the sale's command. */
  logLines: string[];
}

export interface SoakReport {
  seed: string;
  sales: number;
  clients: number;
  salesPerFault: number;
  kinds: FaultKind[];
  tuning: WorldTuning;
  settleMs: number;
  machine: string;
  startedAt: string;
  durationSec: number;
  /** From the first sale to the last final answer (or the end of the settle time). */
  trafficSec: number;
  faults: {
    byKind: Partial<Record<FaultKind, FaultKindSummary>>;
    crashPoints: Record<string, { planned: number; reached: number }>;
    records: FaultRecord[];
  };
  starts: Record<string, number>;
  agentConnections: number;
  unexpectedExits: UnexpectedExit[];
  clientStats: {
    attempts: number;
    code5Answers: number;
    transportErrors: number;
    done: number;
    refused: number;
    notFinal: number;
    secondsToFinal: { p50: number; p95: number; max: number };
  };
  documents: { total: number; byStatus: Record<string, number>; wentInDoubt: number } | null;
  /** From the agent's log: commands it had to reconcile (in doubt, or found unfinished at a start). */
  reconciliation: { commands: number; finalVerdicts: Record<string, number> };
  audit: Omit<AuditResult, 'findings'>;
  findings: SaleFindingReport[];
  violations: number;
  verdict: 'PASS' | 'FAIL';
  runDir: string;
  /** False when the run passed and its directory was removed. */
  runDirKept: boolean;
}

export function machineLine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${process.platform}`;
}

/**
 * One fault soak: the product started as processes, `sales` POS sales driven to a final answer
 * through the planned faults, a settle time, then the registers' journals audited.
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const startedAt = Date.now();
  const clock = () => Date.now() - startedAt;
  const stamp = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
  const say = (line: string) => options.say(`[${stamp(clock())}] ${line}`);
  const temp = options.dir ? undefined : tempDir('kassa-chaos-');
  const runDir = options.dir ?? (temp as { path: string }).path;
  const world = new ChaosWorld(runDir, options.tuning, say);
  options.onWorld?.(world);
  const timeline = (line: string) => {
    say(line);
    try {
      writeFileSync(join(runDir, 'timeline.log'), `${new Date().toISOString()} ${line}\n`, { flag: 'a' });
    } catch {
      // the run directory is gone during cleanup
    }
  };

  let report: SoakReport | undefined;
  try {
    say(`run directory ${runDir}`);
    await world.start();
    const prng = new Prng(options.seed);
    const sales = makeSales(
      options.sales,
      prng.fork('sales'),
      options.seed.replace(/[^\w-]/g, '').slice(0, 12),
    );
    const plan = planFaults(prng.fork('faults'), {
      sales: options.sales,
      kinds: options.kinds,
      salesPerFault: options.salesPerFault,
      tuning: options.tuning,
    });
    say(
      `${options.sales} sales, ${options.clients} clients, ${plan.length} faults planned (seed "${options.seed}")`,
    );
    let giveUpAt: number | undefined;
    const runner: FaultRunner = new FaultRunner(world, plan, {
      started: (): number => pool.startedCount,
      stallMs: options.stallMs,
      deviceFaultWaitMs: 30_000,
      recoveryMs: 120_000,
      say: timeline,
      clock,
    });
    const pool: ClientPool = new ClientPool(sales, {
      cloudUrl: () => world.cloudUrl,
      posKey: (kind) => world.register(kind).posKey,
      clients: options.clients,
      requestTimeoutMs: options.tuning.posWaitMs + 15_000,
      prng: prng.fork('clients'),
      gate: (index): Promise<void> => runner.gate(index),
      giveUpAt: () => giveUpAt,
    });

    const trafficStart = Date.now();
    const ticker = setInterval(() => {
      const done = pool.finishedCount;
      const faultsDone = runner.records.filter((r) => r.recoveredAt !== undefined).length;
      say(
        `progress: ${pool.startedCount}/${options.sales} started, ${done} final, faults ${faultsDone}/${plan.length}`,
      );
    }, 15_000);
    ticker.unref();
    const traffic = pool.run();
    try {
      await runner.run();
      // Leftovers of device faults must not hit the settle time; everything running, network whole.
      for (const kind of ['ikkm', 'cash-core'] as const) await runner.clearSimFaults(kind);
      await runner.bringBack();
      say('fault schedule over; waiting for every sale to start');
      await waitAllStarted(pool, options.sales, options.stallMs);
      giveUpAt = Date.now() + options.settleMs;
      say(`every sale started or stalled; clients may retry for ${options.settleMs / 1000} s more`);
      await traffic;
    } finally {
      clearInterval(ticker);
      pool.stop();
    }
    const trafficSec = (Date.now() - trafficStart) / 1000;
    say(`traffic over: ${pool.finishedCount}/${options.sales} final`);
    await quiesce(
      world,
      startedAt + Math.max(0, ...runner.records.map((r) => r.recoveredAt ?? 0)),
      options.tuning,
    );

    const receipts = [
      ...ikkmReceipts((await world.sim<{ entries: never[] }>('ikkm', 'GET', '/_sim/journal')).entries),
      ...cashCoreReceipts(
        (await world.sim<{ entries: never[] }>('cash-core', 'GET', '/_sim/journal')).entries,
      ),
    ];
    const result = audit(pool.records, receipts);
    const documents = await allDocuments(world.api, { kind: 'receipt' }).catch((error: Error) => {
      say(`documents not readable: ${error.message}`);
      return undefined;
    });
    const findings = await describeFindings(
      world,
      result,
      pool.records,
      documents,
      runner.records,
      startedAt,
    );
    const violations = violationTotal(result) + world.unexpectedExits.length;
    const { findings: _omit, ...auditCounts } = result;
    report = {
      seed: options.seed,
      sales: options.sales,
      clients: options.clients,
      salesPerFault: options.salesPerFault,
      kinds: [...options.kinds],
      tuning: options.tuning,
      settleMs: options.settleMs,
      machine: machineLine(),
      startedAt: new Date(startedAt).toISOString(),
      durationSec: 0,
      trafficSec,
      faults: summariseFaults(
        runner.records,
        plan.map((f) => f.params),
      ),
      starts: { ...world.starts },
      agentConnections: world.proxy.connections,
      unexpectedExits: world.unexpectedExits,
      clientStats: clientStats(pool.records),
      documents: documents ? documentStats(documents) : null,
      reconciliation: reconciliationStats(join(world.logsDir, 'agent.log')),
      audit: auditCounts,
      findings,
      violations,
      verdict: violations === 0 ? 'PASS' : 'FAIL',
      runDir,
      runDirKept: true,
    };
    return report;
  } finally {
    await world.stop();
    if (report) {
      report.durationSec = (Date.now() - startedAt) / 1000;
      report.runDirKept = !(temp && report.verdict === 'PASS' && !options.keep);
      writeFileSync(join(runDir, 'report.json'), JSON.stringify(report, null, 2));
    }
    if (temp && report?.verdict === 'PASS' && !options.keep) temp.remove();
    else say(`run directory kept: ${runDir}`);
  }
}

async function waitAllStarted(pool: ClientPool, total: number, stallMs: number): Promise<void> {
  let last = pool.startedCount;
  let movedAt = Date.now();
  while (pool.startedCount < total && Date.now() - movedAt < stallMs) {
    await sleep(200);
    if (pool.startedCount !== last) {
      last = pool.startedCount;
      movedAt = Date.now();
    }
  }
}

/**
 * After the last answer: until the agent has nothing running, in doubt or unsent (bounded), and
 * long enough after the last fault that any device call it delayed has ended — a late second
 * receipt must be in the journal before it is read.
 */
async function quiesce(world: ChaosWorld, lastFaultOverAt: number, tuning: WorldTuning): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(world.agentHealthUrl, { signal: AbortSignal.timeout(3_000) });
      const health = (await response.json()) as {
        journalDepth: number;
        inDoubt: unknown[];
        outbox: { count: number };
      };
      if (health.journalDepth === 0 && health.inDoubt.length === 0 && health.outbox.count === 0) break;
    } catch {
      // the agent is starting
    }
    await sleep(500);
  }
  // The longest device delay the schedule injects is the driver timeout + 4 s.
  const lateAt = lastFaultOverAt + tuning.driverTimeoutMs + 5_000;
  if (lateAt > Date.now()) await sleep(lateAt - Date.now());
}

function summariseFaults(
  records: FaultRecord[],
  params: { kind: FaultKind; point?: string }[],
): SoakReport['faults'] {
  const byKind: Partial<Record<FaultKind, FaultKindSummary>> = {};
  for (const kind of FAULT_KINDS) {
    const mine = records.filter((r) => r.kind === kind);
    if (mine.length === 0) continue;
    byKind[kind] = {
      planned: mine.length,
      done: mine.filter((r) => r.outcome === 'done').length,
      failed: mine.filter((r) => r.outcome === 'failed').length,
      skipped: mine.filter((r) => r.outcome === 'skipped').length,
      fired:
        kind === 'agent-crash-at'
          ? mine.filter((r) => r.crashed).length
          : mine.reduce((sum, r) => sum + (r.fired ?? 0), 0),
    };
  }
  const crashPoints: Record<string, { planned: number; reached: number }> = {};
  for (const point of CRASH_POINTS) crashPoints[point] = { planned: 0, reached: 0 };
  records.forEach((record, i) => {
    const point = params[i]?.point;
    if (record.kind !== 'agent-crash-at' || !point) return;
    const entry = crashPoints[point] as { planned: number; reached: number };
    entry.planned += 1;
    if (record.crashed) entry.reached += 1;
  });
  return { byKind, crashPoints, records };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function clientStats(records: SaleRecord[]): SoakReport['clientStats'] {
  const times = records
    .filter((r) => r.finalAt !== undefined)
    .map((r) => ((r.finalAt as number) - r.firstSentAt) / 1000)
    .sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    attempts: records.reduce((sum, r) => sum + r.attempts, 0),
    code5Answers: records.reduce((sum, r) => sum + r.code5, 0),
    transportErrors: records.reduce((sum, r) => sum + r.transportErrors, 0),
    done: records.filter((r) => r.final?.code === 0).length,
    refused: records.filter((r) => r.final !== undefined && r.final.code !== 0).length,
    notFinal: records.filter((r) => r.final === undefined).length,
    secondsToFinal: {
      p50: round(percentile(times, 50)),
      p95: round(percentile(times, 95)),
      max: round(times.at(-1) ?? 0),
    },
  };
}

function reconciliationStats(agentLog: string): SoakReport['reconciliation'] {
  const last = new Map<string, string>();
  if (existsSync(agentLog))
    for (const line of readFileSync(agentLog, 'utf8').split('\n')) {
      if (!line.includes('"msg":"reconciled"')) continue;
      try {
        const entry = JSON.parse(line) as { commandId?: string; verdict?: string };
        if (entry.commandId && entry.verdict) last.set(entry.commandId, entry.verdict);
      } catch {
        // a line cut by a SIGKILL
      }
    }
  const finalVerdicts: Record<string, number> = {};
  for (const verdict of last.values()) finalVerdicts[verdict] = (finalVerdicts[verdict] ?? 0) + 1;
  return { commands: last.size, finalVerdicts };
}

function documentStats(documents: DocumentView[]): NonNullable<SoakReport['documents']> {
  const byStatus: Record<string, number> = {};
  for (const d of documents) byStatus[d.status] = (byStatus[d.status] ?? 0) + 1;
  return {
    total: documents.length,
    byStatus,
    wentInDoubt: documents.filter((d) => d.doubtSince !== null).length,
  };
}

/** Everything known about each sale with a violation: enough to tell which component failed. */
async function describeFindings(
  world: ChaosWorld,
  result: AuditResult,
  records: SaleRecord[],
  documents: DocumentView[] | undefined,
  faults: FaultRecord[],
  startedAt: number,
): Promise<SaleFindingReport[]> {
  const out: SaleFindingReport[] = [];
  const logs = ['agent', 'cloud'].map((name) => {
    const file = join(world.logsDir, `${name}.log`);
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
  });
  for (const finding of result.findings.slice(0, 50)) {
    const record = records[finding.index] as SaleRecord;
    const { sale } = record;
    const registerId = world.register(sale.register).id;
    const docs = (documents ?? []).filter((d) => d.registerId === registerId && d.total === sale.amount);
    const details: Partial<DocumentDetails>[] = [];
    for (const doc of docs)
      details.push(
        await world.api.api.documents
          .get(doc.id)
          .run()
          .then((d) => ({
            id: d.id,
            status: d.status,
            fiscalId: d.fiscalId,
            requestedAt: d.requestedAt,
            completedAt: d.completedAt,
            error: d.error,
            doubt: d.doubt,
          }))
          .catch(() => ({ id: doc.id, status: doc.status })),
      );
    const from = record.firstSentAt - startedAt;
    const to = (record.finalAt ?? Date.now()) - startedAt;
    const overlapping = faults.filter(
      (f) => f.injectedAt !== undefined && f.injectedAt <= to && (f.recoveredAt ?? Infinity) >= from - 10_000,
    );
    const ids = details.map((d) => d.id as string);
    const logLines = logs
      .flatMap((lines, i) =>
        lines.filter((l) => ids.some((id) => l.includes(id))).map((l) => `${i ? 'cloud' : 'agent'}: ${l}`),
      )
      .slice(0, 40);
    out.push({
      index: sale.index,
      register: sale.register,
      docNumber: sale.docNumber,
      amount: sale.amount,
      kinds: finding.kinds,
      why: finding.why,
      attempts: record.attempts,
      code5: record.code5,
      transportErrors: record.transportErrors,
      firstSentAt: from / 1000,
      finalAt: record.finalAt === undefined ? null : (record.finalAt - startedAt) / 1000,
      final: record.final ?? null,
      recent: record.recent,
      receipts: finding.receipts,
      documents: details,
      faults: overlapping.map(
        (f) =>
          `#${f.seq} ${f.description} @${((f.injectedAt ?? 0) / 1000).toFixed(1)}s–${((f.recoveredAt ?? 0) / 1000).toFixed(1)}s`,
      ),
      logLines,
    });
  }
  return out;
}
