import { CashCoreDriver, IkkmDriver, type RegisterDriver, SerialQueue } from '@kassa-relay/drivers';
import type { RegisterHealth } from '@kassa-relay/protocol';
import type { RegisterConfig } from '../config/agent-config';
import type { Journal } from '../journal/journal';

/** One configured register: its driver, its one-at-a-time queue and its last known health. */
export interface RegisterRuntime {
  config: RegisterConfig;
  driver: RegisterDriver;
  /** Commands run one at a time per register, in arrival order. */
  queue: SerialQueue;
  health: RegisterHealth | undefined;
}

export function createRegisterRuntime(config: RegisterConfig, journal: Journal): RegisterRuntime {
  const runtime: RegisterRuntime = {
    config,
    driver: createDriver(config, journal, () => runtime.config),
    queue: new SerialQueue(),
    health: undefined,
  };
  return runtime;
}

/** The register's new settings, from the next command on (the caller decides when that is). */
export function reconfigureRegister(
  runtime: RegisterRuntime,
  config: RegisterConfig,
  journal: Journal,
): void {
  runtime.config = config;
  runtime.driver = createDriver(config, journal, () => runtime.config);
  runtime.health = undefined;
}

/**
 * `current` is read at every key load: a device key entered by an operator reaches a command in
 * doubt at its next look at the device, whatever the register's queue is doing.
 */
function createDriver(
  config: RegisterConfig,
  journal: Journal,
  current: () => RegisterConfig,
): RegisterDriver {
  let driver: RegisterDriver;
  if (config.kind === 'ikkm') {
    driver = new IkkmDriver({
      baseUrl: config.url,
      // The rotating key lives in the journal database, next to the commands that used it; the
      // device already forgot the old one, so the new one is on disk before anything else runs.
      keyStore: {
        load: () => {
          const live = current();
          return journal.loadKey(config.id) ?? (live.kind === 'ikkm' ? live.initialKey : config.initialKey);
        },
        save: async (key) => {
          journal.saveKey(config.id, key);
          await journal.durable();
        },
      },
      ...(config.inn ? { inn: config.inn } : {}),
      utcOffsetMinutes: config.utcOffsetMinutes,
      ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}),
      ...(config.minRequestIntervalMs !== undefined
        ? { minRequestIntervalMs: config.minRequestIntervalMs }
        : {}),
      ...(config.acceptsDecimals ? { acceptsDecimals: true } : {}),
    });
  } else {
    driver = new CashCoreDriver({
      baseUrl: config.url,
      accessCode: config.accessCode,
      kkmOfdId: config.kkmOfdId,
      ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}),
      ...(config.processingWindowMs ? { processingWindowMs: config.processingWindowMs } : {}),
    });
  }
  return driver;
}
