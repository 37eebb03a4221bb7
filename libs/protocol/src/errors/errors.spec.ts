import { describe, expect, it } from 'vitest';
import { WS_ERROR_CODES } from './answer-codes';
import { CANONICAL_ERROR_CODES } from './canonical-error';
import { CASH_CORE_CODE, CASH_CORE_CODES, cashCoreError } from './cash-core-codes';
import { IKKM_CODES, ikkmError } from './ikkm-codes';

describe('device code tables', () => {
  it('cover every cash core response_code 0–95 from seed 003', () => {
    expect(CASH_CORE_CODES.map((entry) => entry.code)).toEqual(Array.from({ length: 96 }, (_, i) => i));
    expect(CASH_CORE_CODE['not_enough_cash']).toBe(58);
    expect(CASH_CORE_CODE['kkm_access_denied']).toBe(71);
    expect(CASH_CORE_CODE['kkm_invalid_bindings']).toBe(72);
    for (const entry of CASH_CORE_CODES.slice(1)) expect(entry.canonical, String(entry.code)).not.toBeNull();
  });

  it('cover every iKKM answer from seed 002, including the OFD block range', () => {
    for (const code of [-1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11, -12, -13, -14, -15, -16, -17, -99]) {
      expect(IKKM_CODES.has(code), String(code)).toBe(true);
    }
    expect(ikkmError(-105).code).toBe('REGISTER_BLOCKED');
    expect(ikkmError(-105).device?.text).toContain('код ОФД 5');
    expect(ikkmError(-199).code).toBe('REGISTER_BLOCKED');
    expect(ikkmError(-42).code).toBe('DEVICE_ERROR');
  });

  it('keep the device text and code', () => {
    const error = ikkmError(-6, 'Printer not ready');
    expect(error).toMatchObject({
      code: 'PRINTER_NOT_READY',
      retryable: true,
      device: { kind: 'ikkm', code: -6, text: 'Printer not ready' },
    });
    const core = cashCoreError(35);
    expect(core).toMatchObject({
      code: 'SHIFT_NOT_OPEN',
      device: { code: 35, constant: 'kkm_shift_state_is_not_opened' },
    });
  });

  it('every canonical error has a distinct WS error_code', () => {
    const codes = CANONICAL_ERROR_CODES.map((code) => WS_ERROR_CODES[code]);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).not.toContain(0);
  });
});
