import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const repoRoot = join(__dirname, '../../..');

/** The agent's config file, as `kassa-agent enroll` writes it (apps/agent/src/config). */
export type AgentConfig = Record<string, unknown> & { agentId: string; mqtt: Record<string, unknown> };

/**
 * `kassa-agent enroll` exactly as a store PC runs it (the command the dashboard shows), then
 * `adjust` edits the config it wrote (local ports, log level, faster reconnects) before it is saved
 * again. Resolves with the enrolled agent's id.
 */
export async function enrollAgent(options: {
  cloudUrl: string;
  token: string;
  configPath: string;
  /** Where the agent keeps its journal; the agent's default when absent. */
  dataDir?: string;
  name: string;
  timeoutMs?: number;
  adjust?: (config: AgentConfig) => void;
}): Promise<string> {
  const args = [
    '--import',
    'tsx',
    join(repoRoot, 'apps/agent/src/main.ts'),
    'enroll',
    '--cloud',
    options.cloudUrl,
    '--token',
    options.token,
    '--config',
    options.configPath,
    ...(options.dataDir ? ['--data-dir', options.dataDir] : []),
    '--name',
    options.name,
  ];
  await new Promise<void>((resolve, reject) =>
    execFile(
      process.execPath,
      args,
      { cwd: repoRoot, timeout: options.timeoutMs ?? 60_000 },
      (error, _stdout, stderr) =>
        error ? reject(new Error(`kassa-agent enroll failed: ${error.message}\n${stderr}`)) : resolve(),
    ),
  );
  const config = JSON.parse(readFileSync(options.configPath, 'utf8')) as AgentConfig;
  if (options.adjust) {
    options.adjust(config);
    writeFileSync(options.configPath, JSON.stringify(config, null, 2), { mode: 0o600 });
  }
  return config.agentId;
}
