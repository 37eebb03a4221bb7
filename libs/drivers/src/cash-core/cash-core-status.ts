import {
  canonicalError,
  type CanonicalError,
  type CanonicalErrorCode,
  type DeviceWarning,
  type RegisterHealth,
} from '@kassa-relay/protocol';
import { shiftTiming, warningsForError } from '../device-health';
import { isCashCoreBusy } from './cash-core-client';
import type { CashCoreEnv } from './cash-core-commands';
import {
  identityOf,
  type KkmState,
  LOCAL_STATE_VALUES_CONFLICT,
  registerDateToIso,
  shiftOf,
} from './cash-core-wire';

/** Kazakhstan: autonomous (offline) mode is allowed for 72 h; then the core refuses documents (18). */
const OFFLINE_LIMIT_HOURS = 72;

/** Errors that say nothing lasting about the device: forgotten as soon as it answers again. */
const PASSING_ERRORS: ReadonlySet<CanonicalErrorCode> = new Set<CanonicalErrorCode>([
  'REGISTER_UNREACHABLE',
  'DEVICE_TIMEOUT',
  'REGISTER_BUSY',
]);

/** The device itself answered (a response_code): it is reachable even though it refused. */
const isDeviceAnswer = (error: CanonicalError): boolean =>
  error.device !== undefined || error.code === 'REGISTER_NOT_CONFIGURED';

/**
 * The register's health for the heartbeat. Keeps the last device error (until a command succeeds)
 * and the last register state read, so a core that is busy with a call (66/69) is shown as it was
 * last seen — reachable and busy, not down.
 */
export class CashCoreHealth {
  lastError: CanonicalError | undefined;
  private lastKkm: KkmState | undefined;

  constructor(private readonly env: CashCoreEnv) {}

  async status(): Promise<RegisterHealth> {
    try {
      // Ping has no register; any answer with a response_code (even "busy") means the core is up.
      const ping = await this.env.client.call<unknown>('Ping', {});
      if (!ping.ok && ping.code === undefined) return this.unhealthy(ping.error, false);
      const read = await this.env.reads.kkm();
      if (!read.ok) {
        if (isCashCoreBusy(read.error)) return this.busy(read.error);
        return this.unhealthy(read.error, isDeviceAnswer(read.error));
      }
      // The device answers again: a transport error or "busy" from an earlier look is no longer news.
      if (this.lastError && PASSING_ERRORS.has(this.lastError.code)) this.lastError = undefined;
      return await this.from(read.value);
    } catch (error) {
      return this.unhealthy(
        canonicalError('INTERNAL', `status: ${error instanceof Error ? error.message : String(error)}`),
        false,
      );
    }
  }

  /** Reachable and busy: the last state seen, with the busy answer as this look's error. */
  private busy(error: CanonicalError): RegisterHealth {
    const kkm = this.lastKkm;
    const shift = kkm ? shiftOf(kkm, this.env.offset) : undefined;
    return {
      reachable: true,
      checkedAt: this.env.now().toISOString(),
      ...(shift ? { shift } : {}),
      ...(kkm?.cashSum !== undefined ? { cashBalance: kkm.cashSum } : {}),
      offlineQueue: 0,
      warnings: this.lastError ? warningsForError(this.lastError) : [],
      lastError: error,
      ...(kkm ? { identity: identityOf(kkm.regInfo, kkm.localName, kkm.vendorId) } : {}),
    };
  }

  private unhealthy(error: CanonicalError, reachable: boolean): RegisterHealth {
    this.lastError = error;
    return {
      reachable,
      checkedAt: this.env.now().toISOString(),
      offlineQueue: 0,
      warnings: warningsForError(error),
      lastError: error,
    };
  }

  async from(kkm: KkmState): Promise<RegisterHealth> {
    this.lastKkm = kkm;
    const now = this.env.now();
    const shift = kkm.shiftOpen
      ? shiftOf(kkm, this.env.offset)
      : { ...shiftOf(kkm, this.env.offset), number: await this.env.reads.lastClosedShift(kkm) };
    const warnings: DeviceWarning[] = [];
    const add = (w: DeviceWarning) => {
      if (!warnings.includes(w)) warnings.push(w);
    };

    let shiftHoursLeft: number | undefined;
    if (shift.open && shift.openedAt) {
      const timing = shiftTiming(shift.openedAt, now);
      shiftHoursLeft = timing.hoursLeft;
      if (timing.warning) add(timing.warning);
    }

    // Documents are autonomous while the OFD link is down or the OFD refuses the token. The core
    // reports no queue length: the queue is the autonomous documents since autonomy began.
    let offlineQueue = 0;
    const offlineSince = kkm.isOffline ? registerDateToIso(kkm.offlineStartDate, this.env.offset) : undefined;
    if (kkm.isOffline || kkm.isInvalidToken) {
      const filter: Record<string, unknown> =
        kkm.isOffline && offlineSince && kkm.offlineStartDate
          ? { period_start: kkm.offlineStartDate }
          : { shift_number: kkm.shiftNumber };
      const entries = await this.env.reads.transactions(filter);
      if (entries.ok) offlineQueue = entries.value.filter((e) => e.isOffline).length;
      if (offlineQueue > 0) add('offlineQueue');
    }
    if (offlineSince && (now.getTime() - Date.parse(offlineSince)) / 3_600_000 >= OFFLINE_LIMIT_HOURS)
      add('offlineTooLong');
    if (kkm.isBlocked || kkm.isInvalidToken || kkm.localState === LOCAL_STATE_VALUES_CONFLICT)
      add('ofdBlocked');
    if (this.lastError) for (const w of warningsForError(this.lastError)) add(w);

    return {
      reachable: true,
      checkedAt: now.toISOString(),
      shift,
      ...(shiftHoursLeft !== undefined ? { shiftHoursLeft } : {}),
      ...(kkm.cashSum !== undefined ? { cashBalance: kkm.cashSum } : {}),
      offlineQueue,
      ...(offlineSince ? { offlineSince } : {}),
      warnings,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      identity: identityOf(kkm.regInfo, kkm.localName, kkm.vendorId),
    };
  }
}
