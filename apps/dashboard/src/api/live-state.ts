import type { RegisterState } from '@kassa-relay/admin-api';
import type { DeviceWarning } from '@kassa-relay/protocol';

/**
 * A `register.state` payload merged into what the screen has. The contract sends the same shape as
 * RegisterView.state; the cloud has also sent its stored form (`warnings: { list, offlineSince }`,
 * no `updatedAt`), so both are read rather than trusting one and crashing on the other.
 */
export function mergeLiveState(previous: RegisterState, incoming: unknown): RegisterState {
  const raw = (incoming ?? {}) as Record<string, unknown>;
  const stored =
    raw.warnings && !Array.isArray(raw.warnings) ? (raw.warnings as Record<string, unknown>) : null;
  const warnings = Array.isArray(raw.warnings)
    ? (raw.warnings as DeviceWarning[])
    : Array.isArray(stored?.list)
      ? (stored.list as DeviceWarning[])
      : previous.warnings;
  const pick = <K extends keyof RegisterState>(key: K): RegisterState[K] =>
    key in raw ? (raw[key] as RegisterState[K]) : previous[key];
  return {
    reachable: pick('reachable'),
    shiftOpen: pick('shiftOpen'),
    shiftNumber: pick('shiftNumber'),
    shiftOpenedAt: pick('shiftOpenedAt'),
    cashBalance: pick('cashBalance'),
    offlineQueue: typeof raw.offlineQueue === 'number' ? raw.offlineQueue : previous.offlineQueue,
    offlineSince:
      'offlineSince' in raw
        ? (raw.offlineSince as string | null)
        : stored && 'offlineSince' in stored
          ? (stored.offlineSince as string | null)
          : previous.offlineSince,
    warnings,
    lastError: pick('lastError'),
    updatedAt: typeof raw.updatedAt === 'string' ? raw.updatedAt : new Date().toISOString(),
  };
}
