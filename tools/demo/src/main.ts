/**
 * `npm start`: the whole product on this machine with embedded defaults. Settings: see
 * loadDemoSettings (KASSA_DEMO_DIR, KASSA_DEMO_PORT, …) and the README's Quick start.
 */
import { DemoLauncher } from './launcher';
import { DemoSettingsError, loadDemoSettings } from './settings';

async function main(): Promise<void> {
  let settings;
  try {
    settings = loadDemoSettings();
  } catch (error) {
    if (!(error instanceof DemoSettingsError)) throw error;
    process.stderr.write(`kassa-relay demo: ${error.message}\n`);
    process.exit(2);
  }
  const launcher = new DemoLauncher(settings, (line) => process.stdout.write(`${line}\n`));
  process.on('SIGINT', () => launcher.requestStop('SIGINT'));
  process.on('SIGTERM', () => launcher.requestStop('SIGTERM'));
  process.on('SIGHUP', () => launcher.requestStop('SIGHUP'));
  // Whatever happens to the launcher, its children must not outlive it.
  process.on('exit', () => launcher.killAll());
  process.exit(await launcher.run());
}

main().catch((error: unknown) => {
  process.stderr.write(`kassa-relay demo: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
