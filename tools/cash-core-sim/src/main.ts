import { parseArgs } from 'node:util';
import { parseReadingsArgument } from './readings';
import { startCashCoreSimulator } from './server';

/**
 * `npm run sim:cash-core -- --port <p> --state-dir <dir> [--admin-pin 0000] [--admin-token T] [--host 127.0.0.1]`
 * Prints one line when listening and exits cleanly on SIGINT/SIGTERM.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'state-dir': { type: 'string' },
      'admin-pin': { type: 'string' },
      'admin-token': { type: 'string' },
      readings: { type: 'string' },
      'busy-too-long-ms': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const usage =
    'usage: cash-core-sim --port <p> --state-dir <dir> [--admin-pin 0000] [--admin-token <t>] [--host 127.0.0.1]\n' +
    '       [--readings strict|convenient|ticketSum=total,ticketPayments=typesNet,placementSum=amount,closedShift=last]\n' +
    '       [--busy-too-long-ms 10000]';
  if (values.help) {
    console.log(usage);
    return;
  }
  const port = Number(values.port);
  const tooLong = values['busy-too-long-ms'] === undefined ? undefined : Number(values['busy-too-long-ms']);
  let readings: ReturnType<typeof parseReadingsArgument> | undefined;
  try {
    readings = values.readings === undefined ? undefined : parseReadingsArgument(values.readings);
  } catch (error) {
    console.error((error as Error).message);
  }
  if (
    !values['state-dir'] ||
    !Number.isInteger(port) ||
    port < 0 ||
    port > 65535 ||
    (values.readings !== undefined && readings === undefined) ||
    (tooLong !== undefined && !(tooLong >= 0))
  ) {
    console.error(usage);
    process.exitCode = 2;
    return;
  }
  const simulator = await startCashCoreSimulator({
    port,
    host: values.host,
    stateDir: values['state-dir'],
    adminPin: values['admin-pin'],
    adminToken: values['admin-token'],
    ...(readings !== undefined ? { readings } : {}),
    ...(tooLong !== undefined ? { busy: { tooLongAfterMs: tooLong } } : {}),
  });
  console.log(`cash-core-sim listening on ${simulator.url}`);
  const stop = (signal: string) => {
    console.log(`cash-core-sim: ${signal}, closing`);
    simulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error('cash-core-sim failed to start:', error);
  process.exit(1);
});
