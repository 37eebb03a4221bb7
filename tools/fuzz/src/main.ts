import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { failures, formatReport, machineLine } from './report';
import { DEFAULT_WEIGHTS, Fuzzer } from './runner';
import { FAMILIES, type FamilyName } from './types';

const USAGE = `npm run fuzz -- --inputs <N> --seed <S> [options]

The product's own fuzzer: starts the cloud (embedded PostgreSQL and broker), an enrolled agent and
both register simulators on 127.0.0.1, sends N seeded hostile inputs and prints what it counted.
Exit code 1 on a crash, a 5xx, a state change from invalid input, a broker ACL breach, a stall or
cloud RSS growth of 20 % or more; 2 on bad arguments. Ctrl-C ends the run after the batch in flight
and reports the inputs sent so far; a second Ctrl-C stops at once.

  --inputs <N>         inputs to send (default 2000)
  --seed <S>           PRNG seed (default: a random one, printed)
  --families <list>    only these (comma-separated): ${FAMILIES.join(', ')}
  --concurrency <C>    inputs in flight (default 24)
  --batch <B>          inputs between two state snapshots (default 500)
  --from <i>           start at input index i (with --inputs: indexes i … i+N-1 of the seed)
  --only <i,j,…>       send only these input indexes of the seed (a reproducer run)
  --no-minimise        do not replay batches to find the input behind a state change or crash
  --json <file>        also write the report as JSON
`;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        inputs: { type: 'string' },
        seed: { type: 'string' },
        families: { type: 'string' },
        concurrency: { type: 'string' },
        batch: { type: 'string' },
        only: { type: 'string' },
        from: { type: 'string' },
        'no-minimise': { type: 'boolean' },
        json: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const number = (text: string | undefined, fallback: number, name: string): number => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  let inputs: number;
  let concurrency: number;
  let batchSize: number;
  const weights = { ...DEFAULT_WEIGHTS };
  let only: number[] | undefined;
  try {
    inputs = number(values.inputs, 2_000, 'inputs');
    concurrency = number(values.concurrency, 24, 'concurrency');
    batchSize = number(values.batch, 500, 'batch');
    if (values.families) {
      const chosen = values.families.split(',').map((f) => f.trim());
      for (const f of chosen)
        if (!(FAMILIES as readonly string[]).includes(f)) throw new Error(`unknown family ${f}`);
      for (const f of FAMILIES) if (!chosen.includes(f)) weights[f as FamilyName] = 0;
    }
    if (values.from !== undefined) {
      const from = Number(values.from);
      if (!Number.isInteger(from) || from < 0) throw new Error('--from takes an input index (0, 1, …)');
      only = Array.from({ length: inputs }, (_, i) => from + i);
    }
    if (values.only)
      only = values.only.split(',').map((text) => {
        const i = Number(text.trim());
        if (!Number.isInteger(i) || i < 0) throw new Error('--only takes input indexes (0, 1, …)');
        return i;
      });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const seed = values.seed ?? Math.floor(Math.random() * 2 ** 32).toString(16);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(
    `kassa-relay fuzz: seed ${JSON.stringify(seed)}, ${only ? `inputs ${only.join(',')}` : `${inputs} inputs`}, concurrency ${concurrency}, batch ${batchSize}`,
  );
  const fuzzer = new Fuzzer({
    inputs: only?.length ?? inputs,
    seed,
    concurrency,
    batchSize,
    weights,
    minimise: !values['no-minimise'],
    say,
    ...(only ? { only } : {}),
  });
  let signals = 0;
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => {
      signals += 1;
      if (signals === 1) {
        // First signal: finish the batch in flight and report what was sent (a shorter run).
        say(`\n${signal}: finishing the current batch, then reporting (again to stop at once)…`);
        fuzzer.requestStop();
        return;
      }
      if (signals > 2) return;
      say(`\n${signal}: stopping the cloud, the agent and PostgreSQL…`);
      void fuzzer.world.stop().finally(() => process.exit(130));
    });
  const report = await fuzzer.run();
  report.machine = machineLine();
  say('');
  say(formatReport(report));
  if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
  return failures(report).length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`fuzz: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
