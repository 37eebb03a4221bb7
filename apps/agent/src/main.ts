import { parseArgs } from 'node:util';
import { Agent } from './agent';
import { ConfigError, loadAgentConfig } from './config/agent-config';
import { runEnrollCommand } from './enroll/enroll-command';
import { AGENT_VERSION } from './version';

const USAGE = `kassa-agent ${AGENT_VERSION} — kassa-relay store agent

Usage:
  kassa-agent --config <file>                       run the agent
  kassa-agent enroll --cloud <url> --token <token>  register this PC with the cloud, write its config
                                                    (kassa-agent enroll --help for the options)
  kassa-agent --version | --help
`;

async function run(): Promise<void> {
  if (process.argv[2] === 'enroll') {
    process.exitCode = await runEnrollCommand(process.argv.slice(3));
    return;
  }
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.help) return void process.stdout.write(USAGE);
  if (values.version) return void process.stdout.write(`${AGENT_VERSION}\n`);
  if (positionals.length > 0) {
    process.stderr.write(`kassa-agent: unknown command ${positionals[0]}\n\n${USAGE}`);
    process.exit(2);
  }
  if (!values.config) {
    process.stderr.write(`kassa-agent: --config <file> is required\n\n${USAGE}`);
    process.exit(2);
  }
  const config = loadAgentConfig(values.config);
  const agent = new Agent(config);
  await agent.start();
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    agent.log.info({ signal }, 'stopping');
    agent
      .stop()
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

run().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`kassa-agent: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`kassa-agent: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
