import { describe, expect, it } from 'vitest';
import type { RegisterView } from '@kassa-relay/admin-api';
import { matchesState, presence, SHIFT_LIMIT_MS, SHIFT_WARN_MS, shiftLevel } from './register-health';

const now = Date.parse('2026-11-23T12:00:00Z');
const ago = (ms: number) => new Date(now - ms).toISOString();

function register(
  change: Partial<RegisterView['state']> = {},
  rest: Partial<RegisterView> = {},
): RegisterView {
  return {
    id: 'r1',
    storeId: 's1',
    storeName: 'Store',
    agentId: 'a1',
    agentOnline: true,
    kind: 'ikkm',
    name: 'iKKM 1',
    currency: 'KZT',
    serialNumber: null,
    registrationNumber: null,
    inn: null,
    state: {
      reachable: true,
      shiftOpen: false,
      shiftNumber: 1,
      shiftOpenedAt: null,
      cashBalance: 0,
      offlineQueue: 0,
      offlineSince: null,
      warnings: [],
      lastError: null,
      updatedAt: null,
      ...change,
    },
    today: { salesSum: 0, salesCount: 0, returnsSum: 0, returnsCount: 0 },
    lastDocument: null,
    inDoubt: 0,
    ...rest,
  };
}

describe('shift age', () => {
  it('warns from 20 h and alarms past 24 h', () => {
    expect(shiftLevel(ago(SHIFT_WARN_MS - 60_000), now)?.level).toBe('ok');
    expect(shiftLevel(ago(SHIFT_WARN_MS), now)?.level).toBe('warn');
    expect(shiftLevel(ago(SHIFT_LIMIT_MS - 1), now)?.level).toBe('warn');
    expect(shiftLevel(ago(SHIFT_LIMIT_MS + 60_000), now)?.level).toBe('alarm');
    expect(shiftLevel(null, now)).toBeNull();
  });
});

describe('presence and the state filter', () => {
  it('is online only with the agent connected and the register answering', () => {
    expect(presence(register())).toBe('online');
    expect(presence(register({}, { agentOnline: false }))).toBe('agentOffline');
    expect(presence(register({ reachable: false }))).toBe('unreachable');
    expect(presence(register({}, { agentId: null }))).toBe('noAgent');
  });

  it('counts a long shift, a device warning, an OFD backlog or a document in doubt as a warning', () => {
    expect(matchesState(register(), 'warning', now)).toBe(false);
    expect(
      matchesState(register({ shiftOpen: true, shiftOpenedAt: ago(21 * 3_600_000) }), 'warning', now),
    ).toBe(true);
    expect(matchesState(register({ warnings: ['paperOut'] }), 'warning', now)).toBe(true);
    expect(matchesState(register({ offlineQueue: 3 }), 'warning', now)).toBe(true);
    // A document in doubt needs the office's eye until the agent (or an admin) settles it.
    expect(matchesState(register({}, { inDoubt: 1 }), 'warning', now)).toBe(true);
    expect(matchesState(register({}, { agentOnline: false }), 'offline', now)).toBe(true);
    expect(matchesState(register({ shiftOpen: true }), 'shiftOpen', now)).toBe(true);
  });
});
