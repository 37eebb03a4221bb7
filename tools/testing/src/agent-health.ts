import type { StartedProcess } from './child-process';

/**
 * The registers a running agent drives, as its own `/health` says. The port is read from its
 * "agent started" log line, so agents started with `http.port: 0` work too.
 */
export async function agentRegisterIds(agent: StartedProcess): Promise<string[]> {
  const line = agent.output.find((l) => l.includes('"msg":"agent started"')) ?? '';
  const port = /"httpPort":(\d+)/.exec(line)?.[1];
  if (!port) throw new Error(`no httpPort in the agent's start line: ${line}`);
  const response = await fetch(`http://127.0.0.1:${port}/health`);
  const health = (await response.json()) as { registers: { id: string }[] };
  return health.registers.map((register) => register.id).sort();
}
