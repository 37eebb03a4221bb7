import { cpus, totalmem } from 'node:os';

/** One line describing the machine a benchmark ran on, for docs/benchmarks.md. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} × ${cpu.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${process.platform}`;
}
