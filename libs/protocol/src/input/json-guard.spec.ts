import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  findUnstorableString,
  isStorableString,
  jsonDepthExceeds,
  parseJsonGuarded,
  valueDepthExceeds,
} from './json-guard';

describe('jsonDepthExceeds', () => {
  it('counts nesting outside strings only, without recursion', () => {
    expect(jsonDepthExceeds('{"a":[{"b":1}]}', 3)).toBe(false);
    expect(jsonDepthExceeds('{"a":[{"b":[1]}]}', 3)).toBe(true);
    expect(jsonDepthExceeds(`{"a":"${'['.repeat(100)}"}`, 2)).toBe(false);
    expect(jsonDepthExceeds(`{"a":"\\"${'{'.repeat(100)}"}`, 2)).toBe(false);
    expect(jsonDepthExceeds(`{"a\\\\":${'['.repeat(5)}`, 4)).toBe(true);
    // A million levels: a linear scan, no stack.
    expect(jsonDepthExceeds('['.repeat(1_000_000), 32)).toBe(true);
  });

  it('agrees with the depth of the parsed value for any JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 10 }), (value, limit) => {
        expect(jsonDepthExceeds(JSON.stringify(value), limit)).toBe(valueDepthExceeds(value, limit));
      }),
      { numRuns: 500 },
    );
  });
});

describe('strings PostgreSQL can store', () => {
  it('refuses NUL and lone surrogates, keeps pairs and everything else', () => {
    expect(isStorableString('Кофе ☕ 😀')).toBe(true);
    expect(isStorableString('a\u0000b')).toBe(false);
    expect(isStorableString('\ud800')).toBe(false);
    expect(isStorableString('x\udc00')).toBe(false);
    expect(isStorableString('\ud83d\ude00\ud83d')).toBe(false);
    expect(isStorableString('\ufeff\u0001\uffff')).toBe(true);
  });

  it('names the first bad value or key by its path', () => {
    expect(findUnstorableString({ items: [{ itemName: 'ok' }, { itemName: 'a\u0000' }] })).toEqual({
      path: 'items[1].itemName',
      reason: 'NUL',
      inKey: false,
    });
    expect(findUnstorableString({ cashier: '\ud800' }, 'data')).toMatchObject({
      path: 'data.cashier',
      reason: 'lone surrogate',
    });
    expect(findUnstorableString({ ok: 1, ['bad\u0000']: 2 })).toMatchObject({
      path: '["bad\\u0000"]',
      inKey: true,
    });
    expect(findUnstorableString('\u0000')).toMatchObject({ path: 'body' });
    expect(findUnstorableString({ a: [1, true, null, 'fine'] })).toBeUndefined();
  });
});

describe('parseJsonGuarded', () => {
  it('parses, ignores a BOM, refuses depth before parsing and unstorable strings after', () => {
    expect(parseJsonGuarded('\ufeff{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseJsonGuarded('{')).toMatchObject({ ok: false, reason: 'invalid-json' });
    expect(parseJsonGuarded('['.repeat(100_000))).toMatchObject({ ok: false, reason: 'too-deep' });
    expect(parseJsonGuarded('{"name":"a\\u0000"}')).toMatchObject({
      ok: false,
      reason: 'unstorable',
      field: 'name',
    });
    expect(parseJsonGuarded('{"name":"a\\u0000"}', { checkStrings: false })).toMatchObject({ ok: true });
  });
});
