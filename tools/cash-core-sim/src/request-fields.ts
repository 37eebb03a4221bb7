import { CashCoreError, type ResponseCodeName } from './response-codes';

export type JsonObject = Record<string, unknown>;

export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Typed access to one JSON object of a request. A field of the wrong type is `invalid_fields` (2)
 * naming the field; `null` counts as absent, because the vendor's own examples send `"custom_data": null`.
 */
export class Fields {
  constructor(
    readonly value: JsonObject,
    readonly path = '',
  ) {}

  static of(value: unknown, path: string, whenNotObject: ResponseCodeName = 'invalid_fields'): Fields {
    if (!isJsonObject(value)) throw new CashCoreError(whenNotObject, `${path || 'body'} must be an object`);
    return new Fields(value, path);
  }

  name(field: string): string {
    return this.path ? `${this.path}.${field}` : field;
  }

  has(field: string): boolean {
    return this.value[field] !== undefined && this.value[field] !== null;
  }

  raw(field: string): unknown {
    const value = this.value[field];
    return value === null ? undefined : value;
  }

  /** The error for a bad field; callers `throw` it so that TypeScript narrows after the check. */
  error(field: string, message: string, code: ResponseCodeName = 'invalid_fields'): CashCoreError {
    return new CashCoreError(code, `${this.name(field)} ${message}`);
  }

  fail(field: string, message: string, code: ResponseCodeName = 'invalid_fields'): never {
    throw this.error(field, message, code);
  }

  int(field: string): number | undefined {
    const value = this.raw(field);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) this.fail(field, 'must be an integer');
    return value;
  }

  requiredInt(field: string): number {
    const value = this.int(field);
    if (value === undefined) this.fail(field, 'is required');
    return value;
  }

  number(field: string): number | undefined {
    const value = this.raw(field);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(field, 'must be a number');
    return value;
  }

  requiredNumber(field: string, missing: ResponseCodeName = 'invalid_fields'): number {
    const value = this.number(field);
    if (value === undefined) this.fail(field, 'is required', missing);
    return value;
  }

  string(field: string): string | undefined {
    const value = this.raw(field);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') this.fail(field, 'must be a string');
    return value;
  }

  bool(field: string): boolean | undefined {
    const value = this.raw(field);
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') this.fail(field, 'must be a boolean');
    return value;
  }

  array(field: string): unknown[] | undefined {
    const value = this.raw(field);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) this.fail(field, 'must be a list');
    return value;
  }

  intList(field: string): number[] | undefined {
    const list = this.array(field);
    if (list === undefined) return undefined;
    list.forEach((entry, index) => {
      if (typeof entry !== 'number' || !Number.isSafeInteger(entry))
        this.fail(`${field}[${index}]`, 'must be an integer');
    });
    return list as number[];
  }

  object(field: string): Fields | undefined {
    const value = this.raw(field);
    if (value === undefined) return undefined;
    return Fields.of(value, this.name(field));
  }
}

/** Rendering options shared by TradeOperation, ZXReport and GetDocumentImage (seed defaults). */
export interface ImageOptions {
  width: number;
  scale: number;
  threshold: number;
}

export const DEFAULT_IMAGE_OPTIONS: ImageOptions = { width: 384, scale: 1.0, threshold: 128 };
export const MAX_IMAGE_WIDTH = 4096;
export const MAX_IMAGE_SCALE = 8;

export function readImageOptions(fields: Fields): ImageOptions {
  const width = fields.int('image_width') ?? DEFAULT_IMAGE_OPTIONS.width;
  if (width < 1 || width > MAX_IMAGE_WIDTH) fields.fail('image_width', `must be 1..${MAX_IMAGE_WIDTH}`);
  const scale = fields.number('image_scale') ?? DEFAULT_IMAGE_OPTIONS.scale;
  if (scale <= 0 || scale > MAX_IMAGE_SCALE)
    fields.fail('image_scale', `must be > 0 and <= ${MAX_IMAGE_SCALE}`);
  const threshold = fields.int('image_pixel_draw_threshold') ?? DEFAULT_IMAGE_OPTIONS.threshold;
  if (threshold < 0 || threshold > 255) fields.fail('image_pixel_draw_threshold', 'must be 0..255');
  return { width, scale, threshold };
}
