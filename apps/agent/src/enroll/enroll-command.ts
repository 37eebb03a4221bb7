import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { EnrollError, enrollAgent } from './enroll';

export const ENROLL_USAGE = `Usage:
  kassa-agent enroll --cloud <url> --token <token> [--config <file>] [--data-dir <dir>]
                     [--name <name>] [--force]

  --cloud     the cloud's address, as in the command the dashboard shows
  --token     the one-time enrollment token (valid once, until it expires)
  --config    where to write the agent's config (default ./kassa-agent.json, mode 600)
  --data-dir  the agent's journal directory (default: kassa-agent-data next to the config)
  --name      how the office sees this agent (default: this computer's host name)
  --force     replace an existing config file
`;

/** `kassa-agent enroll …`: exit code 0 enrolled, 1 refused or unreachable, 2 wrong arguments. */
export async function runEnrollCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        cloud: { type: 'string' },
        token: { type: 'string' },
        config: { type: 'string', short: 'c', default: './kassa-agent.json' },
        'data-dir': { type: 'string' },
        name: { type: 'string' },
        force: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`kassa-agent enroll: ${(error as Error).message}\n\n${ENROLL_USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(ENROLL_USAGE);
    return 0;
  }
  if (!values.cloud || !/^https?:\/\/[^/]+/.test(values.cloud) || !values.token) {
    process.stderr.write(
      `kassa-agent enroll: --cloud <http(s) url> and --token <token> are required\n\n${ENROLL_USAGE}`,
    );
    return 2;
  }
  try {
    const outcome = await enrollAgent({
      cloudUrl: values.cloud,
      token: values.token,
      configPath: values.config,
      ...(values.name ? { name: values.name } : {}),
      hostname: hostname(),
      force: values.force,
      ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
    });
    process.stdout.write(
      `Enrolled as agent ${outcome.agentId}, serving ${outcome.registerIds.length} register(s).\n` +
        `Config written to ${outcome.configPath} (mode 600: it holds the agent's MQTT password).\n\n` +
        `Next: start the agent\n  kassa-agent --config ${outcome.configPath}\n` +
        `or install it as a service (README, "Install an agent on a store PC").\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof EnrollError) {
      process.stderr.write(`kassa-agent enroll: ${error.message}\n`);
      return 1;
    }
    const failure = error as NodeJS.ErrnoException;
    if (failure.code === 'EEXIST' || failure.code === 'EACCES' || failure.code === 'ENOENT') {
      process.stderr.write(`kassa-agent enroll: cannot write the config: ${failure.message}\n`);
      return 1;
    }
    throw error;
  }
}
