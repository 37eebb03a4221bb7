import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './login-throttle';

const options = { maxFailures: 3, maxFailuresPerAddress: 100, lockoutMs: 30_000, maxLockoutMs: 600_000 };

describe('login throttle shared by several cloud instances', () => {
  it('counts the failures every instance saw against one limit, and a success clears them everywhere', () => {
    let now = 1_000_000;
    const instances = [0, 1, 2].map(() => new LoginThrottle({ ...options, now: () => now }));
    // Each instance tells the others (the cluster bus does this in the cloud).
    for (const [index, throttle] of instances.entries())
      throttle.onChange((change) => instances.forEach((other, i) => i !== index && other.apply(change)));

    instances[0]!.failure('boss@example.kz', '203.0.113.7');
    instances[1]!.failure('boss@example.kz', '203.0.113.8');
    expect(instances[2]!.check('boss@example.kz', '203.0.113.9')).toEqual({ allowed: true });
    const third = instances[2]!.failure('boss@example.kz', '203.0.113.9');
    expect(third.accountLocked).toBe(true);
    for (const throttle of instances)
      expect(throttle.check('boss@example.kz', '198.51.100.1')).toEqual({
        allowed: false,
        retryAfterSec: 30,
      });

    now += 31_000;
    instances[1]!.success('boss@example.kz');
    instances[0]!.failure('boss@example.kz', '203.0.113.7');
    // Cleared on every instance: one new failure is far from the limit again.
    for (const throttle of instances)
      expect(throttle.check('boss@example.kz', '198.51.100.1')).toEqual({ allowed: true });
  });

  it('does not tell the others again what it applied from them', () => {
    const a = new LoginThrottle(options);
    const told: unknown[] = [];
    a.onChange((change) => told.push(change));
    a.apply({ kind: 'failure', account: 'x@example.kz', address: '192.0.2.1' });
    a.apply({ kind: 'success', account: 'x@example.kz' });
    expect(told).toEqual([]);
  });
});
