import { PNG } from 'pngjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Json, type SimHandle, seedTradeOperation, startSim } from './helpers';

let sim: SimHandle;
beforeEach(async () => {
  sim = await startSim();
  await sim.call('TradeOperation', seedTradeOperation());
});
afterEach(async () => {
  await sim.close();
});

async function image(body: Json): Promise<{ status: number; type: string | null; png?: PNG; json?: Json }> {
  const response = await sim.raw('GetDocumentImage', {
    method: 'POST',
    headers: { authorization: 'Bearer 0000' },
    body: JSON.stringify({ kkm_ofd_id: 6923, fr_shift_number: 118, shift_document_number: 1, ...body }),
  });
  const type = response.headers.get('content-type');
  const bytes = Buffer.from(await response.arrayBuffer());
  if (type === 'image/png') return { status: response.status, type, png: PNG.sync.read(bytes) };
  return { status: response.status, type, json: JSON.parse(bytes.toString('utf8')) };
}

const blackPixels = (png: PNG) => {
  let count = 0;
  for (let i = 0; i < png.width * png.height; i++) if (png.data[i * 4] === 0) count++;
  return count;
};

describe('GetDocumentImage', () => {
  it('renders a decodable black-and-white PNG, 384 px wide by default', async () => {
    const { png } = await image({});
    expect(png?.width).toBe(384);
    expect(png && blackPixels(png)).toBeGreaterThan(1000);
    const values = new Set<number>();
    png?.data.forEach((v, i) => i % 4 === 0 && values.add(v));
    expect([...values].sort()).toEqual([0, 255]);
  });

  it('honours image_width and image_scale', async () => {
    for (const width of [200, 576, 1000])
      expect((await image({ image_width: width })).png?.width).toBe(width);
    const small = await image({ image_width: 576, image_scale: 1 });
    const large = await image({ image_width: 576, image_scale: 2 });
    expect(large.png?.width).toBe(576);
    expect(large.png?.height ?? 0).toBeGreaterThan(small.png?.height ?? 0);
  });

  it('honours image_pixel_draw_threshold: 0 draws nothing, higher thresholds ink more of the grey edges', async () => {
    const none = await image({ image_scale: 1.3, image_pixel_draw_threshold: 0 });
    expect(none.png && blackPixels(none.png)).toBe(0);
    const low = await image({ image_scale: 1.3, image_pixel_draw_threshold: 64 });
    const high = await image({ image_scale: 1.3, image_pixel_draw_threshold: 250 });
    expect(high.png && low.png && blackPixels(high.png)).toBeGreaterThan(low.png ? blackPixels(low.png) : 0);
  });

  it('a copy (is_original false) is taller by its "KOPIYA" line', async () => {
    const original = await image({ is_original: true });
    const copy = await image({ is_original: false });
    expect(copy.png?.height ?? 0).toBeGreaterThan(original.png?.height ?? 0);
  });

  it('renders money placements and reports too', async () => {
    await sim.call('MoneyPlacement', { kkm_ofd_id: 6923, operation: 0, sum: 5 });
    await sim.call('ZXReport', { kkm_ofd_id: 6923, report_type: 0 });
    expect((await image({ shift_document_number: 2 })).png?.width).toBe(384);
    expect((await image({ shift_document_number: 3, image_width: 300 })).png?.width).toBe(300);
  });

  it('answers the JSON envelope for an unknown document (43) and bad parameters (2)', async () => {
    const missing = await image({ shift_document_number: 9 });
    expect(missing.type).toMatch(/^application\/json/);
    expect(missing.json.response_code).toBe(43);
    expect((await image({ image_width: -1 })).json.response_code).toBe(2);
    expect((await image({ image_pixel_draw_threshold: 300 })).json.response_code).toBe(2);
    expect((await image({ fr_shift_number: undefined })).json.response_code).toBe(2);
  });
});
