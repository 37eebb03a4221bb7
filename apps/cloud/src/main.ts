import { setFlagsFromString } from 'node:v8';
import type { Logger } from 'pino';
import { CloudConfigError, loadCloudConfig } from './config/cloud-config';
import { createLogger } from './core/logger';
import { type RunningCloud, startCloud } from './bootstrap';

/** Exit status after an uncaught exception (EX_SOFTWARE): the supervisor restarts the cloud. */
export const EXIT_UNCAUGHT = 70;

/**
 * The last line of defence, for what no handler caught (every listener and fire-and-forget promise
 * on the request paths has its own guard; these should never run):
 *
 * - **Unhandled rejection → log and keep serving.** A promise nobody awaited failed: the operation
 *   it belonged to is already over (its caller got no answer from it, or answered without it), and
 *   nothing was left half-done by the rejection itself — it unwound no synchronous code. Killing
 *   the process would turn one request's bad luck (a database blip during a /ws connect) into an
 *   outage for every store, its waiting sales and the embedded broker.
 * - **Uncaught exception → log, try to close cleanly (5 s at most), exit 70.** The exception
 *   unwound synchronous code at an unknown point: in-memory state (relay waiters, broker sessions,
 *   caches) may be half-updated, and Node documents resuming as unsafe. The supervisor (systemd
 *   `Restart=always`, Docker `restart: unless-stopped`) starts a fresh process within seconds; the
 *   agents reconnect and re-send, and exactly-once never depended on the cloud's memory (documents
 *   are rows before they are published; the agents deduplicate by command id).
 */
function installLastResortHandlers(logger: Logger, running: () => RunningCloud | undefined): void {
  let rejections = 0;
  process.on('unhandledRejection', (reason) => {
    rejections += 1;
    logger.error(
      { err: reason, rejections },
      'unhandled promise rejection (logged; the cloud keeps serving)',
    );
  });
  let exiting = false;
  process.on('uncaughtException', (error, origin) => {
    logger.fatal(
      { err: error, origin },
      `uncaught exception: the cloud exits with ${EXIT_UNCAUGHT} to be restarted`,
    );
    if (exiting) return;
    exiting = true;
    setTimeout(() => process.exit(EXIT_UNCAUGHT), 5_000).unref();
    const cloud = running();
    if (!cloud) return process.exit(EXIT_UNCAUGHT);
    cloud.close().then(
      () => process.exit(EXIT_UNCAUGHT),
      () => process.exit(EXIT_UNCAUGHT),
    );
  });
}

/**
 * How large V8 lets the old generation grow before it collects again, as a multiple of what was
 * live after the last full collection: 1.8 times (V8 still adds its minimum step). On a machine
 * with memory to spare Node allows up to 4 times, and a cloud holding 10,000 agents (about 190 MB
 * live) sat at 1.1 GB of RSS at rest, mostly garbage not yet collected (docs/benchmarks.md,
 * "10,000 agents on the embedded broker"). V8 reads the flag at every collection, so setting it
 * here works however the cloud is started; `node --heap-growing-percent=N` on the command line wins.
 */
const HEAP_GROWING_PERCENT = 80;

function boundHeapGrowth(): void {
  if (process.execArgv.some((arg) => /^--heap[-_]growing[-_]percent/.test(arg))) return;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

/** `kassa-cloud`: configuration from the environment (see apps/cloud/README.md). */
async function main(): Promise<void> {
  boundHeapGrowth();
  let config;
  try {
    config = loadCloudConfig();
  } catch (error) {
    if (error instanceof CloudConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  let cloud: RunningCloud | undefined;
  installLastResortHandlers(logger, () => cloud);
  try {
    cloud = await startCloud(config, logger);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'cloud stopping');
      cloud!.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  } catch (error) {
    logger.fatal({ err: error }, 'cloud failed to start');
    process.exit(1);
  }
}

void main();
