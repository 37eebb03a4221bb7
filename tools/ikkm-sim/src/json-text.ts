/**
 * JSON rendering that can write a number exactly as a decimal text. The seed's shift report shows
 * money as JSON numbers with two decimals (`"cashOutTotal": 100.00`), which JSON.stringify cannot
 * produce (it would write `100`); a driver reading the device must cope with that form, so the
 * simulator sends it.
 */

/** A JSON number written verbatim (`text` must be a valid JSON number). */
export class JsonNumberText {
  constructor(readonly text: string) {
    if (!/^-?(0|[1-9]\d*)(\.\d+)?$/.test(text)) throw new Error(`not a JSON number: ${text}`);
  }
}

export function toJsonText(value: unknown): string {
  if (value instanceof JsonNumberText) return value.text;
  if (value === null) return 'null';
  if (Array.isArray(value))
    return `[${value.map((item) => (item === undefined ? 'null' : toJsonText(item))).join(',')}]`;
  if (typeof value === 'object') {
    const fields = Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => field !== undefined)
      .map(([name, field]) => `${JSON.stringify(name)}:${toJsonText(field)}`);
    return `{${fields.join(',')}}`;
  }
  const text = JSON.stringify(value);
  return text === undefined ? 'null' : text;
}
