import type { CanonicalError, DeviceWarning } from '@kassa-relay/protocol';

/** Both countries' rule: a shift may stay open 24 h; the dashboard warns from 20 h. */
export const SHIFT_LIMIT_HOURS = 24;
export const SHIFT_WARNING_HOURS = 20;

/** Hours left before the 24 h limit and the warning that goes with the time the shift has been open. */
export function shiftTiming(
  openedAt: string,
  now: Date,
): { hoursLeft: number; warning: DeviceWarning | undefined } {
  const hoursOpen = (now.getTime() - Date.parse(openedAt)) / 3_600_000;
  const hoursLeft = Math.round((SHIFT_LIMIT_HOURS - hoursOpen) * 100) / 100;
  const warning =
    hoursOpen >= SHIFT_LIMIT_HOURS
      ? 'shiftTooLong'
      : hoursOpen >= SHIFT_WARNING_HOURS
        ? 'shiftNearLimit'
        : undefined;
  return { hoursLeft, warning };
}

/** The lasting device condition a canonical error reveals, shown in the heartbeat until it clears. */
export function warningsForError(error: CanonicalError): DeviceWarning[] {
  switch (error.code) {
    case 'PRINTER_NOT_READY':
      return ['paperOut'];
    case 'LOW_BATTERY':
      return ['lowBattery'];
    case 'REGISTER_BLOCKED':
      return ['ofdBlocked'];
    case 'OFFLINE_TOO_LONG':
      return ['offlineTooLong'];
    case 'SHIFT_TOO_LONG':
      return ['shiftTooLong'];
    case 'LICENSE_ERROR':
      return ['licenseProblem'];
    default:
      return [];
  }
}
