import { CloudConfigError, loadCloudConfig } from './config/cloud-config';
import { createLogger } from './core/logger';
import { startCloud } from './bootstrap';

/** `kassa-cloud`: configuration from the environment (see apps/cloud/README.md). */
async function main(): Promise<void> {
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
  try {
    const cloud = await startCloud(config, logger);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'cloud stopping');
      cloud.close().then(
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
