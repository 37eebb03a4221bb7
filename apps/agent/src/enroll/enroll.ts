import { accessSync, chmodSync, constants, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { enrollmentRoutes } from '@kassa-relay/admin-api';
import { z } from 'zod';
import { type AgentConfigInput, agentConfigSchema } from '../config/agent-config';

export interface EnrollOptions {
  /** The cloud's address as the office sees it, e.g. https://relay.example.kz. */
  cloudUrl: string;
  token: string;
  /** Where to write the agent's config file. */
  configPath: string;
  /** The agent's data directory (journal); default `kassa-agent-data` next to the config file. */
  dataDir?: string;
  /** How the office will see this agent (default: the enrollment token's name, else `hostname`). */
  name?: string;
  /** This PC's host name: the agent's name when neither `name` nor the token has one. */
  hostname?: string;
  /** Replace an existing config file. */
  force?: boolean;
  timeoutMs?: number;
}

export interface EnrollOutcome {
  agentId: string;
  configPath: string;
  registerIds: string[];
}

/** Something the person running the command can act on; the CLI prints it and exits 1. */
export class EnrollError extends Error {
  override name = 'EnrollError';
}

/**
 * `POST /api/agents/enroll` answer, from the cloud's contract; a cloud from before sealed configs
 * sends no `configKey`, and the agent still enrolls with it.
 */
const enrollmentSchema = enrollmentRoutes.enroll.response.extend({ configKey: z.string().optional() });

/**
 * Spends a one-time enrollment token at the cloud and writes the agent config it answers with
 * (mode 600: it holds the MQTT password). An existing config is never overwritten without `force`,
 * and that is checked before the token is spent.
 */
export async function enrollAgent(options: EnrollOptions): Promise<EnrollOutcome> {
  const configPath = resolve(options.configPath);
  if (!options.force && existsSync(configPath))
    throw new EnrollError(`${configPath} already exists: pass --force to replace it, or choose --config`);
  // A token is spent by the request: find out first whether the config can be written at all.
  try {
    mkdirSync(dirname(configPath), { recursive: true });
    accessSync(dirname(configPath), constants.W_OK);
  } catch (error) {
    throw new EnrollError(`cannot write ${configPath}: ${(error as Error).message}`);
  }
  const cloudUrl = options.cloudUrl.replace(/\/+$/, '');
  const dataDir = options.dataDir
    ? resolve(options.dataDir)
    : resolve(dirname(configPath), 'kassa-agent-data');

  const enrollment = await requestEnrollment(cloudUrl, options);
  const config: AgentConfigInput = {
    agentId: enrollment.agentId,
    mqtt: enrollment.mqtt,
    ...(enrollment.configKey ? { configKey: enrollment.configKey } : {}),
    dataDir,
    registers: enrollment.registers as AgentConfigInput['registers'],
  };
  const checked = agentConfigSchema.safeParse(config);
  if (!checked.success) {
    const problems = checked.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new EnrollError(
      `the cloud enrolled agent ${enrollment.agentId} but its configuration is not usable (${problems.join('; ')}); ` +
        'disable that agent in the dashboard and report this',
    );
  }
  writeConfig(configPath, `${JSON.stringify(config, null, 2)}\n`, options.force ?? false);
  return {
    agentId: enrollment.agentId,
    configPath,
    registerIds: checked.data.registers.map((r) => r.id),
  };
}

async function requestEnrollment(
  cloudUrl: string,
  options: EnrollOptions,
): Promise<z.infer<typeof enrollmentSchema>> {
  const endpoint = `${cloudUrl}/api/agents/enroll`;
  const timeoutMs = options.timeoutMs ?? 30_000;
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        token: options.token,
        ...(options.name ? { name: options.name } : {}),
        ...(options.hostname ? { hostname: options.hostname } : {}),
      }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const failure = error as Error & { cause?: { code?: string; message?: string } };
    if (failure.name === 'TimeoutError')
      throw new EnrollError(`the cloud at ${cloudUrl} did not answer within ${timeoutMs / 1000} s`);
    const reason = failure.cause?.code ?? failure.cause?.message ?? failure.message;
    throw new EnrollError(`cannot reach the cloud at ${cloudUrl} (${reason}): check --cloud and the network`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const message = (body as { message?: unknown } | undefined)?.message;
  const said = typeof message === 'string' ? message : text.slice(0, 200);
  if (response.status === 401)
    throw new EnrollError(
      'the cloud refused the token: it is unknown, already used or expired. ' +
        'Create a new enrollment token in the dashboard and run the command it shows.',
    );
  if (response.status === 404)
    throw new EnrollError(`no kassa-relay cloud at ${cloudUrl} (HTTP 404 for ${endpoint}): check --cloud`);
  if (!response.ok)
    throw new EnrollError(`the cloud refused the enrollment (HTTP ${response.status}): ${said}`);
  const parsed = enrollmentSchema.safeParse(body);
  if (!parsed.success)
    throw new EnrollError(`unexpected answer from ${endpoint}: is --cloud the kassa-relay cloud?`);
  return parsed.data;
}

function writeConfig(path: string, text: string, force: boolean): void {
  mkdirSync(dirname(path), { recursive: true });
  if (!force) {
    // 'wx': fails if the file appeared meanwhile; the mode applies from the first byte.
    writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
    return;
  }
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}
