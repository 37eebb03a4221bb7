import { describe, expect, it } from 'vitest';
import { JsonNumberText, toJsonText } from './json-text';

describe('toJsonText', () => {
  it('writes decimal numbers verbatim and everything else as JSON.stringify would', () => {
    const value = {
      sum: new JsonNumberText('1000.00'),
      cheques: 12,
      name: 'Чай "A"',
      list: [new JsonNumberText('-0.50'), null, true],
      skipped: undefined,
    };
    const text = toJsonText(value);
    expect(text).toBe('{"sum":1000.00,"cheques":12,"name":"Чай \\"A\\"","list":[-0.50,null,true]}');
    expect(JSON.parse(text)).toEqual({ sum: 1000, cheques: 12, name: 'Чай "A"', list: [-0.5, null, true] });
  });

  it('refuses text that is not a JSON number', () => {
    expect(() => new JsonNumberText('1e5')).toThrow();
    expect(() => new JsonNumberText('01')).toThrow();
  });
});
