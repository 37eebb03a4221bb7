import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { RegisterDevice } from '@kassa-relay/protocol';
import { type StartedProcess, startProcess } from '@kassa-relay/testing';
import { storeRegisterConfig } from '../src/registers/register-config';
import { SecretBox } from '../src/security/secret-box';
import { hashSecret } from '../src/security/secret-hash';
import { type CloudWorld, repoRoot, waitUntil } from './cloud-world';

/** Admin API answers as a test reads them. */
export interface ApiAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each test reads the fields it checks
  body: any;
}

/** One admin API call with a bearer token (or none). */
export async function api(
  world: CloudWorld,
  token: string | undefined,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<ApiAnswer> {
  const response = await fetch(`${world.cloud.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** A `viewer` of the bootstrap admin's organisation, signed in. */
export async function viewerToken(world: CloudWorld): Promise<string> {
  const organisation = await world.prisma.organisation.findFirstOrThrow({ orderBy: { createdAt: 'asc' } });
  const email = `viewer-${Date.now()}@example.kz`;
  await world.prisma.adminUser.create({
    data: {
      organisationId: organisation.id,
      email,
      passwordHash: await hashSecret('viewer-password-1'),
      role: 'viewer',
    },
  });
  return world.adminToken(email, 'viewer-password-1');
}

/**
 * A store through `POST /api/stores`; straight into the database while that route (another part
 * of the admin API) is not there yet.
 */
export async function createStore(world: CloudWorld, token: string, name: string): Promise<string> {
  const answer = await api(world, token, 'POST', '/api/stores', { name });
  if (answer.status === 201) return answer.body.id as string;
  if (answer.status !== 404)
    throw new Error(`POST /api/stores: ${answer.status} ${JSON.stringify(answer.body)}`);
  const organisation = await world.prisma.organisation.findFirstOrThrow({ orderBy: { createdAt: 'asc' } });
  return (await world.prisma.store.create({ data: { organisationId: organisation.id, name } })).id;
}

/** A register without an agent, through `POST /api/registers` (or the database, as above). */
export async function createRegister(
  world: CloudWorld,
  token: string,
  storeId: string,
  name: string,
  device: RegisterDevice,
): Promise<string> {
  const taxTable = [{ percent: 12, name: 'НДС 12%' }];
  const answer = await api(world, token, 'POST', '/api/registers', { storeId, name, device, taxTable });
  if (answer.status === 201) return answer.body.id as string;
  if (answer.status !== 404)
    throw new Error(`POST /api/registers: ${answer.status} ${JSON.stringify(answer.body)}`);
  const box = new SecretBox(Buffer.from(world.secretKey, 'hex'));
  const register = await world.prisma.register.create({
    data: {
      storeId,
      kind: device.kind === 'cash-core' ? 'cash_core' : 'ikkm',
      name,
      config: storeRegisterConfig(device, taxTable, box) as object,
    },
  });
  return register.id;
}

/** The real agent CLI as a process: `kassa-agent <args>`; bounded in time. */
export function runAgentCli(
  args: string[],
  timeoutMs = 60_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'apps/agent/src/main.ts'), ...args],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`kassa-agent ${args.join(' ')}: still running after ${timeoutMs} ms\n${stdout}${stderr}`),
      );
    }, timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The arguments of the `command` an enrollment token comes with (`kassa-agent enroll …`). */
export function enrollArgs(command: string): string[] {
  const words = command.split(' ');
  if (words[0] !== 'kassa-agent' || words[1] !== 'enroll')
    throw new Error(`not an enroll command: ${command}`);
  return words.slice(1);
}

/**
 * Runs the agent with the config `kassa-agent enroll` wrote (its status port moved to a free one:
 * several agents share this machine) and waits until the cloud sees it online.
 */
export async function startEnrolledAgent(
  world: CloudWorld,
  configPath: string,
  agentId: string,
): Promise<StartedProcess> {
  const agent = await startProcess(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'apps/agent/src/main.ts'), '--config', configPath],
    { readyPattern: /"msg":"agent started"/, cwd: repoRoot, env: { KASSA_AGENT_HTTP_PORT: '0' } },
  );
  try {
    await waitUntil(
      async () => (await world.prisma.agent.findUnique({ where: { id: agentId } }))?.online === true,
      20_000,
      `agent ${agentId} online in the cloud`,
    );
  } catch (error) {
    await agent.stop();
    throw error;
  }
  return agent;
}
