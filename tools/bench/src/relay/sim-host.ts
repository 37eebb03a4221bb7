import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startBenchCashCore } from './bench-cash-core';

/**
 * A process hosting `--count` cash-core registers (one simulator each, own port), so that their CPU
 * is accounted apart from the load generator. Prints `{"sims":["http://…",…]}` once listening and
 * stops on SIGTERM.
 *
 *   node --import tsx tools/bench/src/relay/sim-host.ts --count 20 --dir /tmp/x
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { count: { type: 'string', default: '1' }, dir: { type: 'string' } },
  });
  const count = Number(values.count);
  if (!values.dir || !Number.isInteger(count) || count < 1)
    throw new Error('usage: sim-host --count <n> --dir <state dir>');
  const dir = values.dir;
  const sims = await Promise.all(
    Array.from({ length: count }, (_, i) => startBenchCashCore(join(dir, `cc-${i}`))),
  );
  process.stdout.write(`${JSON.stringify({ sims: sims.map((s) => s.url) })}\n`);
  const stop = () => {
    Promise.all(sims.map((s) => s.close())).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`sim-host: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
