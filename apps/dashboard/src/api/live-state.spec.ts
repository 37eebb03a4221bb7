import { describe, expect, it } from 'vitest';
import type { RegisterState } from '@kassa-relay/admin-api';
import { mergeLiveState } from './live-state';

const previous: RegisterState = {
  reachable: true,
  shiftOpen: false,
  shiftNumber: 3,
  shiftOpenedAt: null,
  cashBalance: 100,
  offlineQueue: 0,
  offlineSince: null,
  warnings: [],
  lastError: null,
  updatedAt: '2026-11-23T10:00:00.000Z',
};

describe('mergeLiveState', () => {
  it('takes the contract shape as it is', () => {
    const merged = mergeLiveState(previous, {
      ...previous,
      shiftOpen: true,
      warnings: ['paperOut'],
      updatedAt: '2026-11-23T11:00:00.000Z',
    });
    expect(merged).toMatchObject({
      shiftOpen: true,
      warnings: ['paperOut'],
      updatedAt: '2026-11-23T11:00:00.000Z',
    });
  });

  it('also reads the stored form of the warnings and keeps what the payload leaves out', () => {
    const merged = mergeLiveState(previous, {
      reachable: false,
      offlineQueue: 4,
      warnings: { list: ['offlineQueue'], offlineSince: '2026-11-22T09:00:00.000Z', shiftHoursLeft: null },
    });
    expect(merged.reachable).toBe(false);
    expect(merged.warnings).toEqual(['offlineQueue']);
    expect(merged.offlineSince).toBe('2026-11-22T09:00:00.000Z');
    expect(merged.offlineQueue).toBe(4);
    expect(merged.cashBalance).toBe(100);
    expect(merged.shiftNumber).toBe(3);
  });
});
