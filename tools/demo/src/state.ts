import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where each piece of the demo keeps its state, under the state directory (`.data`). */
export function demoPaths(stateDir: string) {
  return {
    stateDir,
    demoFile: join(stateDir, 'demo.json'),
    launcherFile: join(stateDir, 'launcher.json'),
    logsDir: join(stateDir, 'logs'),
    cloudDir: join(stateDir, 'cloud'),
    postgresDir: join(stateDir, 'cloud', 'postgres'),
    agentConfig: join(stateDir, 'agent', 'kassa-agent.json'),
    agentDataDir: join(stateDir, 'agent', 'data'),
    ikkmDir: join(stateDir, 'ikkm'),
    cashCoreDir: join(stateDir, 'cash-core'),
  };
}
export type DemoPaths = ReturnType<typeof demoPaths>;

export type RegisterKind = 'ikkm' | 'cash-core';

/** `.data/demo.json`: what a person (or a test) needs to use the demo. The shape is a contract. */
export interface DemoFile {
  adminEmail: string;
  adminPassword: string;
  registers: { id: string; kind: RegisterKind; posKey: string }[];
}

/**
 * `.data/launcher.json`: decided once, on the first run, before anything is created — so a first
 * run interrupted half-way resumes with the same admin, secret key and register addresses.
 */
export interface LauncherState {
  adminEmail: string;
  adminPassword: string;
  /** KASSA_SECRET_KEY of the cloud (hex): it seals register secrets and signs admin tokens. */
  secretKey: string;
  /** The registers in the cloud point at these simulator ports, so they stay fixed. */
  ikkmPort: number;
  cashCorePort: number;
}

export const DEMO_ADMIN_EMAIL = 'admin@demo.local';

export function readDemoFile(paths: DemoPaths): DemoFile | undefined {
  if (!existsSync(paths.demoFile)) return undefined;
  const parsed = JSON.parse(readFileSync(paths.demoFile, 'utf8')) as Partial<DemoFile>;
  const registersOk =
    Array.isArray(parsed.registers) &&
    parsed.registers.every(
      (r) =>
        typeof r?.id === 'string' &&
        (r.kind === 'ikkm' || r.kind === 'cash-core') &&
        typeof r.posKey === 'string',
    );
  if (typeof parsed.adminEmail !== 'string' || typeof parsed.adminPassword !== 'string' || !registersOk)
    throw new Error(
      `${paths.demoFile} is not a demo file this launcher wrote: delete ${paths.stateDir} to start afresh`,
    );
  return parsed as DemoFile;
}

export function writeDemoFile(paths: DemoPaths, demo: DemoFile): void {
  const exact: DemoFile = {
    adminEmail: demo.adminEmail,
    adminPassword: demo.adminPassword,
    registers: demo.registers.map(({ id, kind, posKey }) => ({ id, kind, posKey })),
  };
  writeSecretFile(paths.demoFile, `${JSON.stringify(exact, null, 2)}\n`);
}

export function loadOrCreateLauncherState(
  paths: DemoPaths,
  wanted: { ikkmPort: number; cashCorePort: number },
): { state: LauncherState; created: boolean } {
  if (existsSync(paths.launcherFile))
    return { state: JSON.parse(readFileSync(paths.launcherFile, 'utf8')) as LauncherState, created: false };
  const state: LauncherState = {
    adminEmail: DEMO_ADMIN_EMAIL,
    adminPassword: randomBytes(12).toString('base64url'),
    secretKey: randomBytes(32).toString('hex'),
    ...wanted,
  };
  writeSecretFile(paths.launcherFile, `${JSON.stringify(state, null, 2)}\n`);
  return { state, created: true };
}

/** Written whole or not at all, readable by the owner only (it holds passwords and keys). */
function writeSecretFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}
