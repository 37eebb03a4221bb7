import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type StartedProcess, startProcess } from './child-process';
import { freePort } from './free-port';
import { tempDir } from './temp-dir';

/** Where Debian (and most distributions) put the dynamic-security plugin. */
const DYNSEC_PLUGIN_PATHS = [
  '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so',
  '/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so',
  '/usr/lib/mosquitto_dynamic_security.so',
  '/usr/local/lib/mosquitto_dynamic_security.so',
];

export interface RunningMosquitto {
  url: string;
  port: number;
  /** The dynamic-security admin (the cloud's account). */
  admin: { username: string; password: string };
  process: StartedProcess;
  /** Stops it (SIGTERM) and starts it again on the same port with the same state. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Debian's Mosquitto 2 with the dynamic-security plugin, on 127.0.0.1, for tests: a fresh
 * configuration with one admin account (`mosquitto_ctrl dynsec init`), anonymous clients refused,
 * persistence on (a restart keeps sessions and retained messages, as in production).
 */
export async function startMosquitto(options: { port?: number } = {}): Promise<RunningMosquitto> {
  const plugin = DYNSEC_PLUGIN_PATHS.find((path) => existsSync(path));
  if (!plugin)
    throw new Error(
      'mosquitto_dynamic_security.so not found: install Debian\'s "mosquitto" package (.ci/run does)',
    );
  const dir = tempDir('mosquitto-');
  const port = options.port ?? (await freePort());
  const admin = { username: 'kassa-cloud', password: `admin-${Math.random().toString(36).slice(2)}` };
  const dynsecFile = join(dir.path, 'dynamic-security.json');
  execFileSync('mosquitto_ctrl', ['dynsec', 'init', dynsecFile, admin.username, admin.password], {
    stdio: 'ignore',
  });
  const configFile = join(dir.path, 'mosquitto.conf');
  writeFileSync(
    configFile,
    [
      // As root, Mosquitto would switch to the "mosquitto" user, who cannot read this temp dir.
      'user root',
      'per_listener_settings false',
      'set_tcp_nodelay true',
      'allow_anonymous false',
      `listener ${port} 127.0.0.1`,
      `plugin ${plugin}`,
      `plugin_opt_config_file ${dynsecFile}`,
      'persistence true',
      `persistence_location ${dir.path}/`,
      // As deploy/mosquitto/*.conf: the cloud's session must hold a whole fleet's presences and
      // results when it reconnects at once (the default, 1000, drops the rest).
      'max_queued_messages 100000',
      // stderr: unbuffered, so the ready line arrives at once.
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      '',
    ].join('\n'),
  );
  const start = () =>
    startProcess('mosquitto', ['-c', configFile], {
      readyPattern: /Opening ipv4 listen socket on port|mosquitto version .* running/,
      timeoutMs: 15_000,
    });
  let running = await start();
  const broker: RunningMosquitto = {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    admin,
    process: running,
    async restart() {
      await running.stop('SIGTERM', 5_000);
      running = await start();
      broker.process = running;
    },
    async close() {
      await running.stop('SIGTERM', 5_000).catch(() => undefined);
      dir.remove();
    },
  };
  return broker;
}
