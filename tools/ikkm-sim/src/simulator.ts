import type { AddressInfo } from 'node:net';
import type { ReasonLanguage } from './answer-codes';
import { KAZAKHSTAN_UTC_OFFSET_MINUTES, SimClock } from './clock';
import { IkkmDevice } from './device';
import { FaultRegistry } from './faults';
import { createIkkmServer } from './server';
import { DEFAULT_SERIAL } from './state';
import { StateStore } from './state-store';

export interface IkkmSimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1: a fiscal device simulator has no business on other interfaces. */
  host?: string;
  /** The web-api key of a new device (and after `/_sim/reset`); a saved state keeps its own key. */
  key: string;
  /** Where the device keeps its memory (`ikkm-state.json`); created if missing. */
  stateDir: string;
  /** The real clock the simulated clock is offset from (default Date.now). */
  now?: () => number;
  /** getInfo `factorySerialNumber` of a new device. */
  factorySerialNumber?: string;
  /** Offset of the device's local time from UTC, for the dates it writes (default +300, Kazakhstan). */
  utcOffsetMinutes?: number;
  /**
   * Sets the device setting `acceptDecimals` at start (kept in the state like any setting). Left
   * out, the device keeps its saved setting; a new device refuses decimals (-9, seed "передавать
   * только цифры").
   */
  acceptDecimals?: boolean;
  /** Language of the error reason phrases: the seed's Russian (default) or short English texts. */
  reasonLanguage?: ReasonLanguage;
}

export interface IkkmSimulator {
  url: string;
  port: number;
  /** The current web-api key (changes with every registration). */
  readonly key: string;
  close(): Promise<void>;
}

/** A web-api key as the device hands them out: a positive whole number. */
export const isValidKey = (key: string): boolean => /^\d{1,18}$/.test(key) && /[1-9]/.test(key);

/** Starts an iKKM simulator in this process: HTTP on `host:port`, state in `stateDir`. */
export async function startIkkmSimulator(options: IkkmSimulatorOptions): Promise<IkkmSimulator> {
  if (!isValidKey(options.key))
    throw new Error(
      `ikkm-sim: the key must be a positive whole number (digits only), got ${JSON.stringify(options.key)}`,
    );
  const store = new StateStore(options.stateDir);
  const clock = new SimClock(options.now ?? Date.now);
  const device = new IkkmDevice({
    store,
    clock,
    initialKey: options.key,
    factorySerialNumber: options.factorySerialNumber ?? DEFAULT_SERIAL,
    utcOffsetMinutes: options.utcOffsetMinutes ?? KAZAKHSTAN_UTC_OFFSET_MINUTES,
  });
  await device.init();
  if (options.acceptDecimals !== undefined)
    await device.updateSettings({ acceptDecimals: options.acceptDecimals });
  const faults = new FaultRegistry();
  const server = createIkkmServer(device, faults, {
    ...(options.reasonLanguage ? { reasonLanguage: options.reasonLanguage } : {}),
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    get key() {
      return device.state.key;
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => store.flush());
      return closing;
    },
  };
}
