import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PrismaClient } from '../src/database/prisma-client';
import { PosKeys } from '../src/pos/pos-keys';
import { tokenHash } from '../src/security/secret-box';

/** A stand-in for the `posKey` table: one valid key, every other key unknown. */
function fakePrisma(valid: Map<string, { id: string; registerId: string; name: string }>) {
  let lookups = 0;
  const prisma = {
    posKey: {
      findUnique: async ({ where }: { where: { keyHash: string } }) => {
        lookups += 1;
        const row = valid.get(where.keyHash);
        return row ? { ...row, keyHash: where.keyHash, revokedAt: null } : null;
      },
      update: async () => ({}),
    },
  };
  return { prisma: prisma as unknown as PrismaClient, lookups: () => lookups };
}

describe('PosKeys cache: random keys cannot grow it', () => {
  it('keeps at most its bound after 10,000 random keys, and still knows a real key', async () => {
    const realKey = `kr_pos_${randomBytes(24).toString('base64url')}`;
    const valid = new Map([[tokenHash(realKey), { id: 'key-1', registerId: 'reg-1', name: 'web shop' }]]);
    const { prisma, lookups } = fakePrisma(valid);
    const keys = new PosKeys(prisma);
    expect(await keys.authenticate(realKey)).toMatchObject({ keyId: 'key-1', registerId: 'reg-1' });
    for (let i = 0; i < 10_000; i += 1)
      expect(await keys.authenticate(`kr_pos_${randomBytes(24).toString('base64url')}`)).toBeNull();
    expect(keys.cacheSize).toBeLessThanOrEqual(PosKeys.MAX_CACHED_KEYS);
    expect(PosKeys.MAX_CACHED_KEYS).toBeLessThanOrEqual(2_048);
    // The real key is still served (from the database or the cache), and a revocation still forgets it.
    expect(await keys.authenticate(realKey)).toMatchObject({ keyId: 'key-1' });
    const before = lookups();
    expect(await keys.authenticate(realKey)).toMatchObject({ keyId: 'key-1' });
    expect(lookups()).toBe(before); // cached
    keys.revoked('key-1');
    valid.clear();
    expect(await keys.authenticate(realKey)).toBeNull();
  });

  it('bounds unknown keys separately, so a flood of random keys cannot evict the real ones', async () => {
    const real = Array.from({ length: 50 }, (_, i) => ({
      key: `kr_pos_${randomBytes(24).toString('base64url')}`,
      id: `key-${i}`,
    }));
    const valid = new Map(real.map((r) => [tokenHash(r.key), { id: r.id, registerId: 'reg', name: 'pos' }]));
    const { prisma, lookups } = fakePrisma(valid);
    const keys = new PosKeys(prisma);
    for (const r of real) await keys.authenticate(r.key);
    for (let i = 0; i < 10_000; i += 1)
      await keys.authenticate(`junk-${i}-${randomBytes(8).toString('hex')}`);
    const before = lookups();
    for (const r of real) expect(await keys.authenticate(r.key)).toMatchObject({ keyId: r.id });
    expect(lookups()).toBe(before);
    expect(keys.cacheSize).toBeLessThanOrEqual(PosKeys.MAX_CACHED_KEYS);
  });
});
