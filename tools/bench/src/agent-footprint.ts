/**
 * Agent footprint: start-up time (spawn → "agent started" with both registers configured and
 * the broker connected) and idle RSS after the first heartbeats, for the bundled agent
 * (dist/main.js). Targets: ready ≤ 1 s, idle RSS ≤ 60 MB with two registers.
 *
 *   npm run bench:agent            (builds the agent first)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startCashCoreSimulator } from '@kassa-relay/cash-core-sim';
import { startIkkmSimulator } from '@kassa-relay/ikkm-sim';
import { ChildProgram, startTestBroker, tempDir } from '@kassa-relay/testing';
import { machineLine } from './machine';
import { writeSection } from './report';

const repoRoot = resolve(__dirname, '../../..');
const RUNS = 5;
/** The flags the systemd unit runs the agent with (apps/agent/deploy/kassa-agent.service). */
const NODE_FLAGS = (process.env['AGENT_NODE_FLAGS'] ?? '--max-semi-space-size=1 --max-old-space-size=64')
  .split(' ')
  .filter(Boolean);

/** RSS and its anonymous part (heap, code space); the rest is mostly Node's own mapped binary. */
function memoryMb(pid: number): { rss: number; anon: number } {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0);
  return { rss: kb('Rss') / 1024, anon: kb('Anonymous') / 1024 };
}

async function oneRun(configPath: string): Promise<{ readyMs: number; rssMb: number; anonMb: number }> {
  const started = process.hrtime.bigint();
  const agent = ChildProgram.start({
    name: 'agent',
    command: process.execPath,
    args: [...NODE_FLAGS, join(repoRoot, 'apps/agent/dist/main.js'), '--config', configPath],
  });
  // Timed when the line arrives, not when a waiter gets to run.
  let readyMs = -1;
  agent.onLine((line) => {
    if (readyMs < 0 && line.includes('"msg":"agent started"'))
      readyMs = Number(process.hrtime.bigint() - started) / 1e6;
  });
  await Promise.all([
    agent.waitForLine(/"msg":"agent started"/, 20_000),
    agent.waitForLine(/"msg":"broker connected"/, 20_000),
  ]);
  // Idle: let a few heartbeats (1 s apart here) and GC settle.
  await new Promise((r) => setTimeout(r, 5_000));
  const memory = memoryMb(agent.pid);
  await agent.stop();
  return { readyMs, rssMb: memory.rss, anonMb: memory.anon };
}

async function main(): Promise<void> {
  execFileSync('npx', ['nx', 'build', 'agent', '--skip-nx-cache'], { cwd: repoRoot, stdio: 'inherit' });
  const dir = tempDir('bench-agent-');
  const broker = await startTestBroker();
  const ikkm = await startIkkmSimulator({ port: 0, key: '11112222', stateDir: join(dir.path, 'ikkm') });
  const cashCore = await startCashCoreSimulator({
    port: 0,
    stateDir: join(dir.path, 'cc'),
    adminPin: '0000',
  });
  const configPath = join(dir.path, 'agent.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      agentId: 'bench-1',
      mqtt: { url: broker.url },
      dataDir: join(dir.path, 'agent'),
      http: { port: 0 },
      heartbeatIntervalSec: 1,
      logLevel: 'info',
      registers: [
        { id: 'r-ikkm', kind: 'ikkm', url: ikkm.url, initialKey: '11112222' },
        { id: 'r-cc', kind: 'cash-core', url: cashCore.url, accessCode: '0000', kkmOfdId: 6923 },
      ],
    }),
  );
  const runs = [];
  for (let i = 0; i < RUNS; i += 1) runs.push(await oneRun(configPath));
  await broker.close();
  await ikkm.close();
  await cashCore.close();
  dir.remove();

  const ready = runs.map((r) => r.readyMs).sort((a, b) => a - b);
  const rss = runs.map((r) => r.rssMb).sort((a, b) => a - b);
  const anon = runs.map((r) => r.anonMb).sort((a, b) => a - b);
  const median = (xs: number[]) => xs[Math.floor(xs.length / 2)] ?? NaN;
  const max = (xs: number[]) => xs[xs.length - 1] ?? NaN;
  const verdict = (ok: boolean) => (ok ? 'meets target' : '**misses target**');
  const markdown = `## Agent footprint (\`npm run bench:agent\`)

Bundled agent (\`apps/agent/dist/main.js\`), two registers (one iKKM simulator, one cash-core
simulator), embedded broker, heartbeat every second; ${RUNS} runs. Ready = spawn → the
"agent started" log line (config validated, journal open, recovery queued, HTTP up). RSS read from
\`/proc/<pid>/status\` after 5 s idle.

| measure | median | worst | target | |
| --- | --- | --- | --- | --- |
| ready | ${median(ready).toFixed(0)} ms | ${max(ready).toFixed(0)} ms | ≤ 1000 ms | ${verdict(max(ready) <= 1000)} |
| idle RSS | ${median(rss).toFixed(1)} MB | ${max(rss).toFixed(1)} MB | ≤ 60 MB | ${verdict(max(rss) <= 60)} |
| of which anonymous (heap, compiled code) | ${median(anon).toFixed(1)} MB | ${max(anon).toFixed(1)} MB | | |

Node flags as in the systemd unit: \`${NODE_FLAGS.join(' ')}\`. For scale: an empty \`node -e
"setTimeout(()=>{},1e9)"\` on this machine is about 39 MB RSS, most of it the Node binary's own
mapped pages; the agent's own memory is the anonymous part.

Machine: ${machineLine()}. Measured ${new Date().toISOString().slice(0, 10)}.`;
  writeSection('agent-footprint', markdown);
  process.stdout.write(`${markdown}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
