import { describe, expect, it } from 'vitest';
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyphFor, hasGlyph, transliterate } from './bitmap-font';

describe('bitmap font', () => {
  it('has a 5×7 glyph for every printable ASCII character', () => {
    for (let code = 32; code < 127; code++) {
      const char = String.fromCharCode(code);
      expect(hasGlyph(char), char).toBe(true);
      const glyph = glyphFor(char);
      expect(glyph).toHaveLength(GLYPH_HEIGHT);
      for (const row of glyph) expect(row).toHaveLength(GLYPH_WIDTH);
    }
  });

  it('transliterates Russian and Kazakh text', () => {
    expect(transliterate('Казахтелеком - test')).toBe('Kazakhtelekom - test');
    expect(transliterate('ЧН ГЕОРГИАДИ')).toBe('CHN GEORGIADI');
    expect(transliterate('Жёлтый щит')).toBe('Zhyoltyy shchit');
    expect(transliterate('Тестілік мәтін')).toBe('Testilik matin');
    expect(transliterate('Смена № 5')).toBe('Smena No 5');
    expect(transliterate('€')).toBe('?');
  });
});
