import { z } from 'zod';

/**
 * "Liberal in what it accepts": the building blocks the POS protocol schemas (seed 000 WS, seed
 * 001 `/sale`) share so that every field is read the same way:
 * - `null` is the same as an absent field for every optional field;
 * - a number may come as a numeric string (`"12"`, `" 3 "`); the protocol's money module turns
 *   the text into an integer exactly (never through a float);
 * - an identifier may come as a number (`wsName: 5` is `"5"`);
 * - every refusal names the field (`items[2].itemQty`) and the reason, in Russian like the rest
 *   of both protocols' texts.
 */

const absentIfNull = (value: unknown) => (value === null ? undefined : value);

/** An optional field where `null` means absent: the output never holds `null`. */
export function nullAsAbsent<T extends z.ZodType>(schema: T) {
  return z.preprocess(absentIfNull, schema.optional()).optional();
}

/**
 * A number that may also come as a numeric string; `fromText` is the wire format's own exact
 * conversion (from `money/`), returning undefined for text it cannot read exactly, which is then
 * refused by `schema` naming what it got.
 */
export function numberLike<T extends z.ZodType>(schema: T, fromText: (text: string) => number | undefined) {
  return z.preprocess((value) => {
    if (typeof value !== 'string') return value;
    return fromText(value) ?? value;
  }, schema);
}

/** A string field that may come as a finite number (an id, a register number): read as its text. */
export function stringLike<T extends z.ZodType>(schema: T) {
  return z.preprocess(
    (value) => (typeof value === 'number' && Number.isFinite(value) ? String(value) : value),
    schema,
  );
}

const EXPECTED: Record<string, string> = {
  number: 'число',
  int: 'целое число',
  string: 'строка',
  array: 'список',
  object: 'объект',
  boolean: 'true или false',
};

const NUMERIC_TEXT = /^\s*[+-]?(\d+\.?\d*|\.\d+)\s*$/;

/** The received value as the refusal shows it: short and unambiguous (`"abc"`, `12.5`, `null`, `объект`). */
export function shownValue(value: unknown): string {
  if (value === undefined) return 'ничего';
  if (typeof value === 'string') {
    const cut = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return JSON.stringify(cut);
  }
  if (Array.isArray(value)) return 'список';
  if (typeof value === 'object' && value !== null) return 'объект';
  return String(value);
}

/** `items[2].itemQty`, `data.wares[0].price`: the path a client reads in its own body. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text ? `.${String(key)}` : String(key);
  }
  return text;
}

type Issue = z.core.$ZodIssue & { input?: unknown };

function bound(value: unknown): string {
  return typeof value === 'bigint' ? value.toString() : String(value);
}

/** One issue's reason in Russian; a message set on the schema itself is used as it is. */
export function issueReason(issue: Issue): string {
  const input = issue.input;
  const got = `получено ${shownValue(input)}`;
  const andGot = `, ${got}`;
  switch (issue.code) {
    case 'invalid_type': {
      if (input === undefined) return 'обязательное поле не передано';
      const numericText = typeof input === 'string' && NUMERIC_TEXT.test(input);
      const expected =
        issue.expected === 'number' && numericText
          ? 'целое число'
          : (EXPECTED[issue.expected] ?? issue.expected);
      return `ожидается ${expected}, ${got}`;
    }
    case 'invalid_value':
      return `допустимые значения: ${issue.values.map((v) => shownValue(v)).join(', ')}${andGot}`;
    case 'too_small':
      if (issue.origin === 'array') return 'список не должен быть пустым';
      if (issue.origin === 'string') return 'строка не должна быть пустой';
      return `должно быть ${issue.inclusive ? 'не меньше' : 'больше'} ${bound(issue.minimum)}${andGot}`;
    case 'too_big':
      if (issue.origin === 'array') return `в списке больше ${bound(issue.maximum)} элементов`;
      if (issue.origin === 'string') return `строка длиннее ${bound(issue.maximum)} символов`;
      return `должно быть ${issue.inclusive ? 'не больше' : 'меньше'} ${bound(issue.maximum)}${andGot}`;
    case 'invalid_union': {
      // A union refused every branch: the first branch's first issue is the readable one.
      const first = issue.errors[0]?.[0] as Issue | undefined;
      if (first) return issueReason({ ...first, input: first.input ?? input } as Issue);
      return `некорректное значение${andGot}`;
    }
    default:
      return input === undefined ? 'обязательное поле не передано' : `${issue.message}${andGot}`;
  }
}

/**
 * `items[2].itemQty: ожидается целое число, получено "1.5"; employeeName: обязательное поле не
 * передано` — at most `limit` issues. Parse with `{ reportInput: true }` so the received values
 * can be shown.
 */
export function describeFieldIssues(
  error: z.ZodError,
  options: { limit?: number; root?: string } = {},
): string {
  return error.issues
    .slice(0, options.limit ?? 5)
    .map(
      (issue) => `${fieldPath(issue.path) || options.root || 'тело запроса'}: ${issueReason(issue as Issue)}`,
    )
    .join('; ');
}

/** Which keys of an object schema level are known, and what is nested under which key. */
export interface KnownFields {
  keys: readonly string[];
  /** A key holding an object (or a list of objects) with known fields of its own. */
  nested?: Readonly<Record<string, KnownFields>>;
}

/**
 * The fields of `value` no schema level knows, as `extra`, `items[].colour`, `payments.tips`
 * (lists as `[]`, so that one set names a client's habit whatever its list lengths). Sorted, no
 * duplicates; at most `limit` entries.
 */
export function unknownFieldsOf(value: unknown, known: KnownFields, limit = 20): string[] {
  const found = new Set<string>();
  const stack: [unknown, KnownFields, string][] = [[value, known, '']];
  while (stack.length > 0 && found.size < limit) {
    const [current, spec, path] = stack.pop() as [unknown, KnownFields, string];
    if (Array.isArray(current)) {
      for (const element of current) stack.push([element, spec, `${path}[]`]);
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    for (const [key, child] of Object.entries(current)) {
      const name = key.length > 64 ? `${key.slice(0, 64)}…` : key;
      const childPath = path ? `${path}.${name}` : name;
      if (!spec.keys.includes(key)) {
        found.add(childPath);
        if (found.size >= limit) break;
        continue;
      }
      const nested = spec.nested?.[key];
      if (nested) stack.push([child, nested, childPath]);
    }
  }
  return [...found].sort();
}
