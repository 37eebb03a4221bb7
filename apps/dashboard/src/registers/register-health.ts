import type { RegisterView } from '@kassa-relay/admin-api';
import type { DeviceWarning } from '@kassa-relay/protocol';

const HOUR = 3_600_000;
/** Kazakhstan and Russia both limit a shift to 24 h; the office is warned four hours before. */
export const SHIFT_WARN_MS = 20 * HOUR;
export const SHIFT_LIMIT_MS = 24 * HOUR;

export type Level = 'ok' | 'warn' | 'alarm';
export type Presence = 'online' | 'unreachable' | 'agentOffline' | 'noAgent';

export function shiftLevel(openedAt: string | null, now: number): { ageMs: number; level: Level } | null {
  if (!openedAt) return null;
  const ageMs = now - new Date(openedAt).getTime();
  if (Number.isNaN(ageMs)) return null;
  return { ageMs, level: ageMs >= SHIFT_LIMIT_MS ? 'alarm' : ageMs >= SHIFT_WARN_MS ? 'warn' : 'ok' };
}

/** Online means the agent is connected and the register answered its last health check. */
export function presence(register: Pick<RegisterView, 'agentId' | 'agentOnline' | 'state'>): Presence {
  if (!register.agentId) return 'noAgent';
  if (!register.agentOnline) return 'agentOffline';
  return register.state.reachable === false ? 'unreachable' : 'online';
}

/** Device warnings the card shows as chips; the shift ones are shown by the shift age itself. */
export function deviceWarnings(register: RegisterView): DeviceWarning[] {
  const shown = new Set(register.state.warnings);
  if (register.state.shiftOpen && register.state.shiftOpenedAt) {
    shown.delete('shiftNearLimit');
    shown.delete('shiftTooLong');
  }
  if (register.state.offlineQueue > 0) shown.add('offlineQueue');
  return [...shown];
}

export function hasWarning(register: RegisterView, now: number): boolean {
  const shift = register.state.shiftOpen ? shiftLevel(register.state.shiftOpenedAt, now) : null;
  return (
    deviceWarnings(register).length > 0 ||
    !!register.state.lastError ||
    (shift !== null && shift.level !== 'ok') ||
    presence(register) !== 'online' ||
    (register.inDoubt ?? 0) > 0
  );
}

export type StateFilter = '' | 'online' | 'offline' | 'shiftOpen' | 'warning';

export function matchesState(register: RegisterView, filter: StateFilter, now: number): boolean {
  switch (filter) {
    case '':
      return true;
    case 'online':
      return presence(register) === 'online';
    case 'offline':
      return presence(register) !== 'online';
    case 'shiftOpen':
      return register.state.shiftOpen === true;
    case 'warning':
      return hasWarning(register, now);
  }
}

export const hoursSince = (iso: string | null, now: number): number | null =>
  iso ? Math.floor((now - new Date(iso).getTime()) / HOUR) : null;
