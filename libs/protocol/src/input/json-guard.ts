/**
 * What every entry point does with untrusted JSON before anything else sees it:
 * - nesting deeper than a limit is refused by scanning the text (no recursion, so no stack to
 *   overflow, whatever the input), before `JSON.parse` and before any recursive code (zod,
 *   `JSON.stringify`, socket.io-parser's binary detection) walks the value;
 * - a string PostgreSQL cannot store — a NUL character (text: 22021, jsonb: 22P05) or a lone UTF-16
 *   surrogate (jsonb: 22P05; text: silently replaced by U+FFFD) — in a key or a value is found by
 *   walking the parsed value with an explicit stack, and named by its path.
 */

/** Nesting deeper than this is not a request any client of ours sends (seed 000/001 bodies are 4 deep). */
export const MAX_JSON_DEPTH = 32;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether a JSON text nests objects/arrays deeper than `limit`. One pass over the characters,
 * strings skipped (with their escapes); malformed text is left for `JSON.parse` to judge.
 */
export function jsonDepthExceeds(text: string, limit: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i += 1;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth += 1;
      if (depth > limit) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth -= 1;
  }
  return false;
}

/** Nesting depth of an already parsed value (objects and arrays), without recursion; stops past `limit`. */
export function valueDepthExceeds(value: unknown, limit: number = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (typeof current !== 'object' || current === null) continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current))
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}

// A NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A string PostgreSQL stores as given, in text and in jsonb columns alike. */
export function isStorableString(value: string): boolean {
  return !UNSTORABLE.test(value);
}

export interface UnstorableString {
  /** Where it is: `items[0].itemName`, `data.cashier`; a bad key names the key itself. */
  path: string;
  reason: 'NUL' | 'lone surrogate';
  /** The key (not the value) is the bad string. */
  inKey: boolean;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `a.b`, `a[0]`, `a["odd key"]` — readable, and safe to print (escapes are escaped, long keys cut). */
function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (IDENTIFIER.test(key)) return parent ? `${parent}.${key}` : key;
  const shown = key.length > 64 ? `${key.slice(0, 64)}…` : key;
  return `${parent}[${JSON.stringify(shown)}]`;
}

const reasonOf = (value: string): UnstorableString['reason'] =>
  value.includes('\u0000') ? 'NUL' : 'lone surrogate';

/**
 * The first key or string value (depth first, in document order) PostgreSQL cannot store, or
 * undefined. `root` prefixes every path (`data` for a WS frame's payload).
 */
export function findUnstorableString(value: unknown, root = ''): UnstorableString | undefined {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [current, path] = stack.pop() as [unknown, string];
    if (typeof current === 'string') {
      if (!isStorableString(current))
        return { path: path || 'body', reason: reasonOf(current), inKey: false };
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    const children: [unknown, string][] = [];
    if (Array.isArray(current))
      current.forEach((child, index) => children.push([child, childPath(path, index)]));
    else
      for (const [key, child] of Object.entries(current)) {
        if (!isStorableString(key)) return { path: childPath(path, key), reason: reasonOf(key), inKey: true };
        children.push([child, childPath(path, key)]);
      }
    // Reversed onto the stack so that the first child is looked at first.
    for (let i = children.length - 1; i >= 0; i -= 1) stack.push(children[i] as [unknown, string]);
  }
  return undefined;
}

/**
 * "items[0].itemName: contains a NUL character (\u0000), which cannot be stored" — in English for
 * the admin API, in Russian for the POS protocols (whose other texts are Russian).
 */
export function describeUnstorable(found: UnstorableString, language: 'en' | 'ru' = 'en'): string {
  if (language === 'ru') {
    const what = found.reason === 'NUL' ? 'символ NUL (\\u0000)' : 'одиночный суррогат UTF-16';
    return `${found.path}: ${found.inKey ? 'имя поля содержит' : 'содержит'} ${what} — такую строку нельзя сохранить`;
  }
  const what = found.reason === 'NUL' ? 'a NUL character (\\u0000)' : 'a lone UTF-16 surrogate';
  return `${found.path}: ${found.inKey ? 'the key contains' : 'contains'} ${what}, which cannot be stored`;
}

export type GuardedJson =
  | { ok: true; value: unknown }
  | { ok: false; reason: 'too-deep' | 'invalid-json' | 'unstorable'; message: string; field?: string };

const LEADING_BOMS = /^[\s\uFEFF]*\uFEFF/;

/**
 * Untrusted JSON text → value: leading BOMs are ignored (RFC 8259 allows one; some clients add two), nesting beyond
 * `maxDepth` is refused before parsing, and (unless `checkStrings` is false) so is any key or
 * string PostgreSQL cannot store.
 */
export function parseJsonGuarded(
  text: string,
  options: { maxDepth?: number; checkStrings?: boolean; root?: string; language?: 'en' | 'ru' } = {},
): GuardedJson {
  // One or more BOMs (a client that re-encodes adds its own) and whitespace before the JSON.
  const source = LEADING_BOMS.test(text) ? text.replace(LEADING_BOMS, '') : text;
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  if (jsonDepthExceeds(source, maxDepth))
    return { ok: false, reason: 'too-deep', message: `JSON nested deeper than ${maxDepth} levels` };
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch {
    return { ok: false, reason: 'invalid-json', message: 'not valid JSON' };
  }
  if (options.checkStrings !== false) {
    const found = findUnstorableString(value, options.root);
    if (found)
      return {
        ok: false,
        reason: 'unstorable',
        message: describeUnstorable(found, options.language),
        field: found.path,
      };
  }
  return { ok: true, value };
}
