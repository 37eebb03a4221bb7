import { describe, expect, it } from 'vitest';
import { hashMachineSecret, hashSecret, verifySecret } from './secret-hash';

describe('secret hashes', () => {
  it('verifies the machine-secret form the way EMQX does (sha256, salt as suffix)', async () => {
    // EMQX's own example (docs "Integrate with PostgreSQL"): password "secret", salt "salt".
    const emqxExample = 'sha256$salt$f84fa2149dbb62ed4e0cf1f550d2949b33a6513d3a7707e08502511c79ccb0ee';
    expect(await verifySecret('secret', emqxExample)).toBe(true);
    expect(await verifySecret('secreT', emqxExample)).toBe(false);
    const stored = hashMachineSecret('agent-password');
    expect(await verifySecret('agent-password', stored)).toBe(true);
    expect(await verifySecret('agent-passwore', stored)).toBe(false);
    // A fresh salt each time.
    expect(hashMachineSecret('agent-password')).not.toBe(stored);
  });

  it("still verifies scrypt hashes (people's passwords, agents enrolled before)", async () => {
    const stored = await hashSecret('correct-horse');
    expect(await verifySecret('correct-horse', stored)).toBe(true);
    expect(await verifySecret('correct-horsf', stored)).toBe(false);
    expect(await verifySecret('x', 'md5$salt$abc')).toBe(false);
    expect(await verifySecret('x', 'sha256$$')).toBe(false);
  });
});
