/**
 * CLI: npm run sim:ikkm -- --port 8080 --key 12345678 --state-dir .data/ikkm [--host 127.0.0.1]
 * Prints one line when listening and stops cleanly on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startIkkmSimulator } from './simulator';

const USAGE =
  'usage: ikkm-sim --port <port|0> --key <initial web-api key> --state-dir <dir> [--host 127.0.0.1] [--serial 011700029000] [--accept-decimals] [--reasons ru|en]';

async function main(): Promise<void> {
  let values: {
    port?: string;
    key?: string;
    'state-dir'?: string;
    host?: string;
    serial?: string;
    'accept-decimals'?: boolean;
    reasons?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        key: { type: 'string' },
        'state-dir': { type: 'string' },
        host: { type: 'string' },
        serial: { type: 'string' },
        'accept-decimals': { type: 'boolean' },
        reasons: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    return exitWithUsage((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port ?? '8080');
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    return exitWithUsage(`--port must be 0…65535, got ${values.port}`);
  if (!values.key) return exitWithUsage('--key is required');
  if (!values['state-dir']) return exitWithUsage('--state-dir is required');
  const reasons = values.reasons ?? 'ru';
  if (reasons !== 'ru' && reasons !== 'en')
    return exitWithUsage(`--reasons must be ru or en, got ${reasons}`);

  const simulator = await startIkkmSimulator({
    port,
    key: values.key,
    stateDir: values['state-dir'],
    ...(values.host ? { host: values.host } : {}),
    ...(values.serial ? { factorySerialNumber: values.serial } : {}),
    ...(values['accept-decimals'] ? { acceptDecimals: true } : {}),
    reasonLanguage: reasons,
  });
  console.log(`ikkm-sim listening on ${simulator.url} key=${simulator.key}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`ikkm-sim: ${signal}, stopping`);
    simulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`ikkm-sim: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

function exitWithUsage(message: string): void {
  console.error(`ikkm-sim: ${message}\n${USAGE}`);
  process.exitCode = 2;
}

main().catch((error: unknown) => {
  console.error(`ikkm-sim: ${(error as Error).message}`);
  process.exit(1);
});
