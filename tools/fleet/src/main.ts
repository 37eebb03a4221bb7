import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AdminApi } from '@kassa-relay/testing';
import { enrollFleet } from './enroll-fleet';
import { AGENT_DEFAULTS, DEFAULT_FLEET_AGENT_OPTIONS, type FleetAgentCredentials } from './fleet-agent';
import { Fleet, statusLine } from './fleet';

const HELP = `kassa-relay fleet simulator: N light store agents in this one process, enrolled for real
against a running cloud (a store, its registers and an enrollment token each, through the admin
API), each a real MQTT client answering the cloud's commands from fake registers.

usage: npm run fleet -- --cloud URL --agents N [options]
       npm run fleet -- --load FILE [options]

  --cloud URL               the cloud's address (e.g. http://127.0.0.1:3000)
  --agents N                fleet agents to enroll and run
  --email E, --password P   an admin of the cloud (default: $KASSA_ADMIN_EMAIL, $KASSA_ADMIN_PASSWORD)
  --registers-per-agent N   iKKM registers per store (default 1)
  --concurrency N           enrollments in flight at once (default 8)
  --heartbeat-sec S         heartbeat period (default ${AGENT_DEFAULTS.heartbeatIntervalSec}, the agent's own)
  --mqtt-version 4|5        4 for the embedded broker (default), 5 for Mosquitto or EMQX
  --mqtt-url URL            connect here instead of the broker address the enrollment gave
  --device-ms MS            how long each command "prints" (default ${DEFAULT_FLEET_AGENT_OPTIONS.deviceMs})
  --status-sec S            status line period (default 5)
  --label NAME              names the stores and agents (default fleet-<time>)
  --save FILE               write the enrolled agents' credentials to FILE (mode 600)
  --load FILE               run the agents saved in FILE instead of enrolling new ones

Runs until Ctrl-C; then every agent says offline. Exit code 2: bad arguments.`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${HELP}\n`);
  process.exit(2);
}

function positive(name: string, text: string | undefined, fallback?: number): number {
  if (text === undefined) {
    if (fallback === undefined) fail(`--${name} is required`);
    return fallback;
  }
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) fail(`--${name} must be a positive number, not "${text}"`);
  return n;
}

const OPTIONS = {
  cloud: { type: 'string' },
  agents: { type: 'string' },
  email: { type: 'string' },
  password: { type: 'string' },
  'registers-per-agent': { type: 'string' },
  concurrency: { type: 'string' },
  'heartbeat-sec': { type: 'string' },
  'mqtt-version': { type: 'string' },
  'mqtt-url': { type: 'string' },
  'device-ms': { type: 'string' },
  'status-sec': { type: 'string' },
  label: { type: 'string' },
  save: { type: 'string' },
  load: { type: 'string' },
  help: { type: 'boolean' },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

/** Enrolls `--agents` new agents through the admin API, printing progress every 2 s. */
async function enroll(flags: Flags): Promise<FleetAgentCredentials[]> {
  const cloud = flags.cloud?.replace(/\/+$/, '') ?? fail('--cloud is required');
  const agents = Math.floor(positive('agents', flags.agents));
  const email =
    flags.email ?? process.env['KASSA_ADMIN_EMAIL'] ?? fail('--email or KASSA_ADMIN_EMAIL is required');
  const password =
    flags.password ??
    process.env['KASSA_ADMIN_PASSWORD'] ??
    fail('--password or KASSA_ADMIN_PASSWORD is required');
  const api = new AdminApi(cloud, { email, password });
  await api.login();
  const started = Date.now();
  let lastProgress = 0;
  const credentials = await enrollFleet(api, {
    agents,
    registersPerAgent: Math.floor(positive('registers-per-agent', flags['registers-per-agent'], 1)),
    concurrency: Math.floor(positive('concurrency', flags.concurrency, 8)),
    label: flags.label ?? `fleet-${new Date().toISOString().slice(0, 19)}`,
    onEnrolled: (done, total) => {
      if (done < total && Date.now() - lastProgress < 2_000) return;
      lastProgress = Date.now();
      process.stdout.write(`enrolled ${done}/${total}\n`);
    },
  });
  process.stdout.write(`enrolled ${agents} agents in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return credentials;
}

function load(file: string): FleetAgentCredentials[] {
  try {
    const credentials = JSON.parse(readFileSync(file, 'utf8')) as FleetAgentCredentials[];
    if (!Array.isArray(credentials) || credentials.length === 0) throw new Error('no agents in it');
    return credentials;
  } catch (error) {
    fail(`--load ${file}: ${(error as Error).message}`);
  }
}

async function main(): Promise<void> {
  let flags: Flags;
  try {
    flags = parseArgs({ options: OPTIONS }).values;
  } catch (error) {
    fail((error as Error).message);
  }
  if (flags.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const mqttVersion = flags['mqtt-version'] ?? '4';
  if (mqttVersion !== '4' && mqttVersion !== '5') fail('--mqtt-version is 4 or 5');
  const statusMs = positive('status-sec', flags['status-sec'], 5) * 1000;
  const heartbeatIntervalSec = positive(
    'heartbeat-sec',
    flags['heartbeat-sec'],
    AGENT_DEFAULTS.heartbeatIntervalSec,
  );
  const deviceMs =
    flags['device-ms'] === undefined || flags['device-ms'] === '0'
      ? 0
      : positive('device-ms', flags['device-ms']);

  const credentials = flags.load ? load(flags.load) : await enroll(flags);
  // The MQTT passwords are in it: readable by this user only.
  if (flags.save) writeFileSync(flags.save, JSON.stringify(credentials, null, 2), { mode: 0o600 });

  const fleet = new Fleet(credentials, {
    heartbeatIntervalSec,
    mqttVersion: mqttVersion === '5' ? 5 : 4,
    deviceMs,
    ...(flags['mqtt-url'] ? { mqttUrl: flags['mqtt-url'] } : {}),
  });
  fleet.start();
  let previous = fleet.snapshot();
  const status = setInterval(() => {
    const now = fleet.snapshot();
    process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${statusLine(previous, now)}\n`);
    previous = now;
  }, statusMs);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    clearInterval(status);
    process.stdout.write('stopping: every agent says offline\n');
    void fleet.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`fleet: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
