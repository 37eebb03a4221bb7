import { describe, expect, it } from 'vitest';
import { registerSetupSchema } from '../mqtt/register-setup';
import { registerDeviceSchema, taxTableEntries, taxTableSchema } from './register-config';

describe('register settings', () => {
  it('the agent takes a register as the admin entered it, "Без НДС" included', () => {
    const device = registerDeviceSchema.parse({
      kind: 'ikkm',
      url: 'http://192.168.1.50:8080',
      initialKey: '12345678',
      inn: '123434556789',
    });
    const taxTable = taxTableSchema.parse([
      { percent: 12, name: 'НДС 12%' },
      { percent: 0, name: 'Без НДС', exempt: true, registerCode: '2' },
    ]);
    const setup = registerSetupSchema.parse({ id: 'reg-1', ...device, taxTable });
    expect(setup).toMatchObject({ kind: 'ikkm', utcOffsetMinutes: 300, taxTable });
    expect(taxTableEntries(setup.taxTable)).toEqual([
      { rate: 12_000, name: 'НДС 12%' },
      { rate: 0, name: 'Без НДС', registerCode: '2', exempt: true },
    ]);
  });

  it('a percent finer than a register takes is refused when entered, not at the first sale', () => {
    expect(taxTableSchema.safeParse([{ percent: 16.5 }]).success).toBe(true);
    expect(taxTableEntries([{ percent: 16.5 }])).toEqual([{ rate: 16_500 }]);
    const fine = taxTableSchema.safeParse([{ percent: 12.3456 }]);
    expect(fine.error?.issues[0]?.message).toBe('a tax percent has at most 3 decimal places');
  });
});
