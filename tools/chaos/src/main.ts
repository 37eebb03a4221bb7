import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FAULT_KINDS, type FaultKind } from './faults';
import { markdownReport } from './report';
import { DEFAULT_TUNING, runSoak } from './soak';
import type { ChaosWorld } from './world';

const HELP = `kassa-relay fault soak: the real cloud, agent and register simulators on 127.0.0.1, POS
clients that retry every /sale until a final answer, seeded faults; then the registers' fiscal
journals are audited for duplicate, lost, misattributed and stuck sales.

usage: npm run chaos -- [--sales N] [--seed S] [options]

  --sales N            sales to send (default 500)
  --seed S             the seed of the sales and the fault schedule (default: a new one, printed)
  --clients N          concurrent POS clients (default 8)
  --faults LIST        fault kinds, comma-separated, "all" (default) or "none":
                       ${FAULT_KINDS.join(', ')}
  --sales-per-fault N  about one fault per N sales (default 25; every kind at least once)
  --settle-sec N       after the last fault and the last sale started, how long clients may
                       still retry before a sale counts as stuck (default 180)
  --dir DIR            run directory (default: a new temp directory, removed when the run passes)
  --keep               keep the run directory even when the run passes
  --json FILE          also write the report as JSON to FILE

Exit code: 0 no violation, 1 a violation (or the run failed), 2 bad arguments.`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${HELP}\n`);
  process.exit(2);
}

function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer, not "${text}"`);
  return n;
}

function faultKinds(text: string | undefined): FaultKind[] {
  if (text === undefined || text === 'all') return [...FAULT_KINDS];
  if (text === 'none') return [];
  const kinds = text.split(',').map((k) => k.trim());
  for (const kind of kinds)
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) fail(`unknown fault kind "${kind}"`);
  return kinds as FaultKind[];
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        sales: { type: 'string' },
        seed: { type: 'string' },
        clients: { type: 'string' },
        faults: { type: 'string' },
        'sales-per-fault': { type: 'string' },
        'settle-sec': { type: 'string' },
        dir: { type: 'string' },
        keep: { type: 'boolean' },
        json: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
  } catch (error) {
    fail((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const seed = v.seed ?? Date.now().toString(36);
  let world: ChaosWorld | undefined;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${signal}: stopping every process of the soak…\n`);
    void (world?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const report = await runSoak({
    sales: positiveInt('sales', v.sales, 500),
    seed,
    clients: positiveInt('clients', v.clients, 8),
    kinds: faultKinds(v.faults),
    salesPerFault: positiveInt('sales-per-fault', v['sales-per-fault'], 25),
    settleMs: positiveInt('settle-sec', v['settle-sec'], 180) * 1000,
    stallMs: 180_000,
    tuning: DEFAULT_TUNING,
    ...(v.dir ? { dir: v.dir } : {}),
    keep: v.keep ?? false,
    say: (line) => process.stdout.write(`${line}\n`),
    onWorld: (w) => (world = w),
  });
  process.stdout.write(`\n${markdownReport(report)}\n`);
  if (v.json) writeFileSync(v.json, JSON.stringify(report, null, 2));
  process.exitCode = report.verdict === 'PASS' ? 0 : 1;
}

main().catch((error: Error) => {
  process.stderr.write(`chaos: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
