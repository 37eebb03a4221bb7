import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '../../..');

/** What `npm start` may be told through the environment; everything has a working default. */
export interface DemoSettings {
  repoRoot: string;
  /** Where every piece keeps its state (KASSA_DEMO_DIR, default `<repo>/.data`). */
  stateDir: string;
  /** The address the cloud and its broker listen on (KASSA_DEMO_HOST). */
  host: string;
  ports: {
    http: number;
    mqtt: number;
    postgres: number;
    ikkm: number;
    cashCore: number;
    agentHealth: number;
  };
  /** KASSA_DEMO_BUILD=off: run what is already built (tests, CI), build nothing. */
  build: boolean;
  /**
   * KASSA_DEMO_DEV=on (`npm run dev`): the cloud restarts when its code changes, and the dashboard
   * is served by Vite with hot reload on KASSA_DEMO_DASHBOARD_PORT (5173), proxied to the cloud.
   */
  dev: boolean;
  dashboardDevPort: number;
}

export class DemoSettingsError extends Error {
  override name = 'DemoSettingsError';
}

const PORTS = {
  http: ['KASSA_DEMO_PORT', 3000],
  mqtt: ['KASSA_DEMO_MQTT_PORT', 1883],
  postgres: ['KASSA_DEMO_PG_PORT', 54329],
  ikkm: ['KASSA_DEMO_IKKM_PORT', 8081],
  cashCore: ['KASSA_DEMO_CASH_CORE_PORT', 8082],
  agentHealth: ['KASSA_DEMO_AGENT_PORT', 9465],
} as const;

export function loadDemoSettings(env: NodeJS.ProcessEnv = process.env): DemoSettings {
  const port = (name: string, fallback: number): number => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1 || value > 65535)
      throw new DemoSettingsError(`${name} must be a port number 1…65535, got ${JSON.stringify(text)}`);
    return value;
  };
  const ports = Object.fromEntries(
    Object.entries(PORTS).map(([key, [name, fallback]]) => [key, port(name, fallback)]),
  ) as DemoSettings['ports'];
  const taken = new Map<number, string>();
  for (const [key, value] of Object.entries(ports)) {
    const other = taken.get(value);
    if (other)
      throw new DemoSettingsError(
        `${PORTS[key as keyof typeof PORTS][0]} and ${PORTS[other as keyof typeof PORTS][0]} are both ${value}`,
      );
    taken.set(value, key);
  }
  const dev = env['KASSA_DEMO_DEV'] ?? 'off';
  if (!['on', 'off'].includes(dev))
    throw new DemoSettingsError(`KASSA_DEMO_DEV must be on or off, got ${JSON.stringify(dev)}`);
  const dashboardDevPort = port('KASSA_DEMO_DASHBOARD_PORT', 5173);
  if (dev === 'on' && Object.values(ports).includes(dashboardDevPort))
    throw new DemoSettingsError(
      `KASSA_DEMO_DASHBOARD_PORT ${dashboardDevPort} is taken by another port setting`,
    );
  const build = env['KASSA_DEMO_BUILD'] ?? (dev === 'on' ? 'off' : 'on');
  if (!['on', 'off'].includes(build))
    throw new DemoSettingsError(`KASSA_DEMO_BUILD must be on or off, got ${JSON.stringify(build)}`);
  return {
    repoRoot,
    stateDir: resolve(env['KASSA_DEMO_DIR'] || join(repoRoot, '.data')),
    host: env['KASSA_DEMO_HOST'] || '127.0.0.1',
    ports,
    build: build === 'on',
    dev: dev === 'on',
    dashboardDevPort,
  };
}
