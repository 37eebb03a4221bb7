import { PNG } from 'pngjs';
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyphFor, transliterate } from './bitmap-font';
import { type PrintLine, documentLines } from './document-text';
import { type MethodDefinition, registerOf } from './method-context';
import { type ImageOptions, readImageOptions } from './request-fields';
import { CashCoreError } from './response-codes';

/**
 * Receipt pictures as the cash core hands them to a printer: `image_width` pixels wide (384 for
 * 58 mm paper), the text scaled by `image_scale`, and each pixel black or white by
 * `image_pixel_draw_threshold`: a pixel is inked when its grey level (0 black … 255 white, after
 * scaling the font) is below the threshold. So 0 draws nothing, 255 draws every touched pixel.
 */

/** Font cell in font pixels: one column and two rows of spacing around the 5×7 glyph. */
const CELL_WIDTH = GLYPH_WIDTH + 1;
const CELL_HEIGHT = GLYPH_HEIGHT + 2;
const MARGIN = 8;

/** Lays the lines out on a fixed number of columns: wraps text, right-aligns the value of a pair. */
export function layoutLines(lines: PrintLine[], columns: number): string[] {
  const out: string[] = [];
  const wrap = (value: string) => {
    if (value.length === 0) return [''];
    const chunks: string[] = [];
    for (let i = 0; i < value.length; i += columns) chunks.push(value.slice(i, i + columns));
    return chunks;
  };
  for (const line of lines) {
    if (line.kind === 'rule') {
      out.push('-'.repeat(columns));
    } else if (line.kind === 'text') {
      const value = transliterate(line.text);
      for (const chunk of wrap(value)) {
        const pad = line.center ? Math.max(0, Math.floor((columns - chunk.length) / 2)) : 0;
        out.push(' '.repeat(pad) + chunk);
      }
    } else {
      const left = transliterate(line.left);
      const right = transliterate(line.right);
      if (left.length + 1 + right.length <= columns) {
        out.push(left + ' '.repeat(columns - left.length - right.length) + right);
      } else {
        out.push(...wrap(left));
        for (const chunk of wrap(right)) out.push(' '.repeat(Math.max(0, columns - chunk.length)) + chunk);
      }
    }
  }
  return out;
}

/** Renders text rows into a grayscale PNG of exactly `options.width` pixels. */
export function renderTextImage(rows: string[], options: ImageOptions): Buffer {
  const { width, scale, threshold } = options;
  const cellW = CELL_WIDTH * scale;
  const cellH = CELL_HEIGHT * scale;
  const columns = Math.max(1, Math.floor((width - 2 * MARGIN) / cellW));
  const height = Math.max(1, Math.ceil(2 * MARGIN + rows.length * cellH));
  // Ink coverage per pixel (0..1): each font pixel is a scale×scale square spread over the
  // device pixels it overlaps (a box filter), so fractional scales give grey edges.
  const coverage = new Float32Array(width * height);
  const ink = (x0: number, y0: number, size: number) => {
    const x1 = x0 + size;
    const y1 = y0 + size;
    for (let py = Math.floor(y0); py < Math.min(height, Math.ceil(y1)); py++) {
      const dy = Math.min(py + 1, y1) - Math.max(py, y0);
      for (let px = Math.floor(x0); px < Math.min(width, Math.ceil(x1)); px++) {
        const dx = Math.min(px + 1, x1) - Math.max(px, x0);
        if (dx > 0 && dy > 0)
          coverage[py * width + px] = Math.min(1, (coverage[py * width + px] ?? 0) + dx * dy);
      }
    }
  };
  rows.forEach((row, r) => {
    [...row].slice(0, columns).forEach((char, c) => {
      if (char === ' ') return;
      const glyph = glyphFor(char);
      const x0 = MARGIN + c * cellW;
      const y0 = MARGIN + r * cellH;
      glyph.forEach((glyphRow, gy) =>
        glyphRow.forEach((on, gx) => {
          if (on) ink(x0 + gx * scale, y0 + gy * scale, scale);
        }),
      );
    });
  });

  const png = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) {
    const grey = Math.round(255 * (1 - (coverage[i] ?? 0)));
    const value = grey < threshold ? 0 : 255;
    png.data[i * 4] = value;
    png.data[i * 4 + 1] = value;
    png.data[i * 4 + 2] = value;
    png.data[i * 4 + 3] = 255;
  }
  return PNG.sync.write(png, { colorType: 0 });
}

/** How many text columns fit a width at a scale (what the layout wraps at). */
export const columnsFor = (options: ImageOptions): number =>
  Math.max(1, Math.floor((options.width - 2 * MARGIN) / (CELL_WIDTH * options.scale)));

export function renderDocument(lines: PrintLine[], options: ImageOptions): Buffer {
  return renderTextImage(layoutLines(lines, columnsFor(options)), options);
}

export const getDocumentImage: MethodDefinition = {
  name: 'GetDocumentImage',
  httpMethods: 'POST',
  auth: true,
  mutates: false,
  handle(ctx) {
    const { fields } = ctx;
    const kkm = registerOf(ctx);
    const shiftNumber = fields.requiredInt('fr_shift_number');
    const documentNumber = fields.requiredInt('shift_document_number');
    const original = fields.bool('is_original') ?? true;
    const options = readImageOptions(fields);
    const record = ctx.state.transactions.find(
      (t) =>
        t.kkmOfdId === kkm.ofdId && t.shiftNumber === shiftNumber && t.shiftDocumentNumber === documentNumber,
    );
    if (!record)
      throw new CashCoreError(
        'transaction_not_found',
        `no document ${documentNumber} in shift ${shiftNumber}`,
      );
    return {
      kind: 'png',
      png: renderDocument(documentLines(kkm, record, original, ctx.utcOffsetMinutes), options),
    };
  },
};
