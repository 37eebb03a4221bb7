import type { Prng } from '@kassa-relay/testing';

/**
 * JSON mutation: hostile variants of a valid request. Value mutations change one place in the
 * value (a type flip, a huge or negative number, a NUL or a lone surrogate in a string, deep
 * nesting, a removed, added or renamed key…); text mutations change the serialized bytes (a BOM,
 * truncation, invalid UTF-8, raw tokens JSON has no value for, padding past a size limit).
 * Every mutation names itself, so a finding says what the input was made of.
 */

/** Text spliced into the serialized JSON as is (deep nesting is never built as a value: nothing recursive walks it). */
export class RawJson {
  constructor(readonly text: string) {}
}

export type JsonLike = null | boolean | number | string | RawJson | JsonLike[] | { [key: string]: JsonLike };

/** JSON text of a value with RawJson spliced in; numbers JSON cannot write (NaN, ±Infinity) become raw tokens. */
export function serialize(value: JsonLike): string {
  if (value instanceof RawJson) return value.text;
  if (value === null) return 'null';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? '1e999' : '-1e999';
    return Object.is(value, -0) ? '-0' : JSON.stringify(value);
  }
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(serialize).join(',')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${JSON.stringify(k)}:${serialize(v)}`)
    .join(',')}}`;
}

const clone = (value: JsonLike): JsonLike =>
  value === null || typeof value !== 'object' || value instanceof RawJson
    ? value
    : Array.isArray(value)
      ? value.map(clone)
      : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clone(v)]));

/** Every place in a value: the path to it (keys and indexes). The root is the empty path. */
function places(
  value: JsonLike,
  path: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  out.push(path);
  if (value === null || typeof value !== 'object' || value instanceof RawJson) return out;
  if (Array.isArray(value)) value.forEach((child, i) => places(child, [...path, i], out));
  else for (const [k, child] of Object.entries(value)) places(child, [...path, k], out);
  return out;
}

function getAt(value: JsonLike, path: (string | number)[]): JsonLike {
  let current: JsonLike = value;
  for (const step of path) current = (current as Record<string | number, JsonLike>)[step] as JsonLike;
  return current;
}

/** A copy of `root` with the value at `path` replaced (undefined: removed). */
function setAt(root: JsonLike, path: (string | number)[], replacement: JsonLike | undefined): JsonLike {
  if (path.length === 0) return replacement === undefined ? null : replacement;
  const copy = clone(root);
  const parent = getAt(copy, path.slice(0, -1)) as Record<string | number, JsonLike> | JsonLike[];
  const last = path[path.length - 1] as string | number;
  if (replacement === undefined) {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete (parent as Record<string, JsonLike>)[last];
  } else (parent as Record<string | number, JsonLike>)[last] = replacement;
  return copy;
}

const pathText = (path: (string | number)[]) =>
  path.length === 0 ? '<root>' : path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');

export const HUGE_NUMBERS: readonly number[] = [
  1e308,
  1.7976931348623157e308,
  Number.MAX_SAFE_INTEGER + 2,
  2 ** 63,
  2 ** 64,
  2 ** 31,
  2 ** 53,
  1e21,
  99_999_999_999_999,
  Infinity,
  -Infinity,
  NaN,
  5e-324,
  0.1 + 0.2,
  123.456,
  1.5,
  -0,
];
export const NEGATIVE_NUMBERS: readonly number[] = [
  -1,
  -0.01,
  -(2 ** 31) - 1,
  -Number.MAX_SAFE_INTEGER,
  -1e308,
  -35000,
];

/** Strings that break naive code: NUL, lone surrogates, control and bidi characters, odd lengths. */
export function hostileString(prng: Prng, base = 'Кофе'): { value: string; note: string } {
  return prng.pick([
    () => ({ value: `${base}\u0000`, note: 'NUL' }),
    () => ({ value: `\u0000${base}`, note: 'leading NUL' }),
    () => ({ value: `${base}\ud800`, note: 'lone high surrogate' }),
    () => ({ value: `\udc00${base}`, note: 'lone low surrogate' }),
    () => ({ value: `${base}\udfff\ud800`, note: 'reversed surrogate pair' }),
    () => ({ value: '\ud83d\ude00'.repeat(prng.int(1, 60)), note: 'emoji (surrogate pairs)' }),
    () => ({ value: '', note: 'empty string' }),
    () => ({ value: ' \t\n ', note: 'whitespace only' }),
    () => ({ value: `${base}\u2028\u2029\u202e\u200b\ufeff`, note: 'separators, bidi, BOM inside' }),
    () => ({ value: '\u0001\u0002\u001f\u007f', note: 'control characters' }),
    () => ({ value: 'x'.repeat(prng.pick([101, 201, 501, 1025, 65_537])), note: 'long string' }),
    () => ({ value: 'Й'.repeat(prng.int(5_000, 100_000)), note: 'very long Cyrillic string' }),
    () => ({ value: '\'; DROP TABLE "FiscalDocument"; --', note: 'SQL text' }),
    () => ({ value: '{{7*7}}${7*7}<script>alert(1)</script>', note: 'template/markup text' }),
    () => ({ value: '../../../../etc/passwd', note: 'path traversal' }),
    () => ({ value: '%00%ff%c0%af', note: 'percent-encoded junk' }),
    () => ({ value: '2026-02-30 25:61:61', note: 'impossible date' }),
    () => ({ value: '9'.repeat(400), note: 'digits beyond any number' }),
    () => ({ value: 'A\u0301\u0301\u0301\u0301', note: 'combining marks' }),
    () => ({ value: '__proto__', note: '__proto__ as value' }),
  ])();
}

/** `[[[…]]]` or `{"a":{"a":…}}` `depth` levels deep, as text. */
export function deepText(depth: number, kind: 'array' | 'object' | 'mixed', leaf = '1'): string {
  if (kind === 'array') return `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`;
  if (kind === 'object') return `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i += 1) {
    if (i % 2 === 0) {
      open += '[';
      close = `]${close}`;
    } else {
      open += '{"a":';
      close = `}${close}`;
    }
  }
  return `${open}${leaf}${close}`;
}

const DEPTHS = [31, 32, 33, 34, 64, 100, 1_000, 10_000, 50_000];

const ODD_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '',
  ' ',
  'ke\u0000y',
  'k\ud800',
  'x'.repeat(1_000),
  '$where',
  '$gt',
  '0',
  '-1',
  'NaN',
  'event',
  'data',
  'Кассир',
];

export interface ValueMutation {
  value: JsonLike;
  note: string;
}

/** One value mutation somewhere in `root`. `knownKeys` are field names to add or misspell (a protocol's own). */
export function mutateValue(prng: Prng, root: JsonLike, knownKeys: readonly string[] = []): ValueMutation {
  const all = places(root);
  const path = prng.pick(all);
  const here = getAt(root, path);
  const at = pathText(path);
  const isContainer = here !== null && typeof here === 'object' && !(here instanceof RawJson);
  const kind = prng.weighted<string>([
    ['typeFlip', 5],
    ['huge', 3],
    ['negative', 2],
    ['string', 5],
    ['deep', 2],
    ['remove', 4],
    ['addKey', 3],
    ['renameKey', 2],
    ['nullify', 2],
    ['array', 2],
    ['proto', 1],
    ['duplicate', 1],
  ]);
  switch (kind) {
    case 'typeFlip': {
      const options: [JsonLike, string][] = [
        ['35000', 'string of digits'],
        [35000, 'number'],
        [true, 'boolean'],
        [null, 'null'],
        [[], 'empty array'],
        [{}, 'empty object'],
        [[here === undefined ? null : clone(here)], 'wrapped in an array'],
        [{ value: here === undefined ? null : clone(here) }, 'wrapped in an object'],
        ['', 'empty string'],
        [0, 'zero'],
        [false, 'false'],
      ];
      const [value, what] = prng.pick(options);
      return { value: setAt(root, path, value), note: `${at}: type flipped to ${what}` };
    }
    case 'huge': {
      const n = prng.pick(HUGE_NUMBERS);
      return { value: setAt(root, path, n), note: `${at}: ${serialize(n)}` };
    }
    case 'negative': {
      const n = prng.pick(NEGATIVE_NUMBERS);
      return { value: setAt(root, path, n), note: `${at}: ${n}` };
    }
    case 'string': {
      const s = hostileString(prng, typeof here === 'string' ? here : 'Кофе');
      return { value: setAt(root, path, s.value), note: `${at}: ${s.note}` };
    }
    case 'deep': {
      const depth = prng.pick(DEPTHS);
      const shape = prng.pick(['array', 'object', 'mixed'] as const);
      return {
        value: setAt(root, path, new RawJson(deepText(depth, shape))),
        note: `${at}: nested ${depth} deep (${shape})`,
      };
    }
    case 'remove': {
      if (path.length === 0) return { value: {}, note: 'root replaced by {}' };
      return { value: setAt(root, path, undefined), note: `${at}: removed` };
    }
    case 'addKey': {
      const target = isContainer && !Array.isArray(here) ? path : path.slice(0, -1);
      const container = getAt(root, target);
      if (
        container === null ||
        typeof container !== 'object' ||
        Array.isArray(container) ||
        container instanceof RawJson
      )
        return { value: setAt(root, path, { extra: 1 }), note: `${at}: replaced by an object` };
      const key = prng.chance(0.5) && knownKeys.length > 0 ? prng.pick(knownKeys) : prng.pick(ODD_KEYS);
      const value: JsonLike = prng.pick<JsonLike>([1, 'x', null, {}, [], true, -1, 1e308]);
      return {
        value: setAt(root, [...target, key], value),
        note: `${pathText(target)}: key ${JSON.stringify(key.slice(0, 40))} added`,
      };
    }
    case 'renameKey': {
      const keyed = all.filter((p) => typeof p[p.length - 1] === 'string');
      if (keyed.length === 0)
        return { value: setAt(root, path, 'renamed'), note: `${at}: replaced by a string` };
      const victim = prng.pick(keyed);
      const oldKey = victim[victim.length - 1] as string;
      const newKey = prng.pick([
        oldKey.toUpperCase(),
        `${oldKey} `,
        oldKey.slice(0, -1),
        `${oldKey}\u0000`,
        oldKey.replace(/[a-z]/, (c) => c.toUpperCase()),
        `_${oldKey}`,
      ]);
      const value = getAt(root, victim);
      const without = setAt(root, victim, undefined);
      return {
        value: setAt(without, [...victim.slice(0, -1), newKey], value),
        note: `${pathText(victim)}: key renamed to ${JSON.stringify(newKey)}`,
      };
    }
    case 'nullify':
      return { value: setAt(root, path, null), note: `${at}: null` };
    case 'array': {
      const element = here === undefined ? null : clone(here);
      // Copies of a big element (a 100 000-character string, an earlier array) would make bodies
      // of gigabytes: at most ~4 MB of copies, always past every parser's limit anyway.
      const one = Array.isArray(here) ? (here[0] ?? null) : element;
      const elementBytes = Math.max(1, serialize(one as JsonLike).length);
      const count = Math.min(
        prng.pick([0, 2, 100, 10_000]),
        Math.max(2, Math.floor(4_000_000 / elementBytes)),
      );
      return {
        value: setAt(
          root,
          path,
          Array.isArray(here) && count > 0
            ? Array.from({ length: count }, () => clone(here[0] ?? null))
            : count === 0
              ? []
              : Array.from({ length: count }, () => element),
        ),
        note: `${at}: array of ${count}`,
      };
    }
    case 'proto': {
      const target = isContainer && !Array.isArray(here) ? path : [];
      return {
        value: setAt(
          root,
          target,
          new RawJson(
            `{"__proto__":{"isAdmin":true,"status":"success"},"constructor":{"prototype":{"polluted":1}},${serialize(getAt(root, target)).slice(1)}`.replace(
              /,}$/,
              '}',
            ),
          ),
        ),
        note: `${pathText(target)}: __proto__ / constructor.prototype keys`,
      };
    }
    default: {
      // duplicate: the same key twice in the text (JSON.parse keeps the last)
      const target = isContainer && !Array.isArray(here) ? path : [];
      const container = getAt(root, target);
      if (
        container === null ||
        typeof container !== 'object' ||
        Array.isArray(container) ||
        container instanceof RawJson
      )
        return { value: root, note: 'unchanged' };
      const keys = Object.keys(container);
      if (keys.length === 0) return { value: root, note: 'unchanged' };
      const key = prng.pick(keys);
      const body = serialize(container);
      return {
        value: setAt(
          root,
          target,
          new RawJson(
            `{${JSON.stringify(key)}:${prng.pick(['null', '"dup"', '-1', '[]', '1e999'])},${body.slice(1)}`,
          ),
        ),
        note: `${pathText(target)}.${key}: duplicated key`,
      };
    }
  }
}

export interface TextMutation {
  body: Buffer;
  note: string;
}

/** One mutation of serialized bytes. `limitBytes`: the receiver's body limit (for padding past it). */
export function mutateText(prng: Prng, text: string, limitBytes: number): TextMutation {
  const bytes = Buffer.from(text, 'utf8');
  const kind = prng.weighted<string>([
    ['bom', 3],
    ['truncate', 4],
    ['invalidUtf8', 3],
    ['rawTokens', 2],
    ['garbage', 2],
    ['oversize', 1],
    ['whitespace', 1],
    ['controls', 2],
    ['nonObject', 2],
    ['comment', 1],
  ]);
  switch (kind) {
    case 'bom': {
      const which = prng.pick(['lead', 'double', 'middle', 'utf16']);
      if (which === 'lead')
        return { body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]), note: 'UTF-8 BOM' };
      if (which === 'double')
        return {
          body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]), bytes]),
          note: 'two BOMs',
        };
      if (which === 'middle') {
        const at = prng.int(0, bytes.length);
        return {
          body: Buffer.concat([bytes.subarray(0, at), Buffer.from([0xef, 0xbb, 0xbf]), bytes.subarray(at)]),
          note: `BOM at byte ${at}`,
        };
      }
      return {
        body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
        note: 'UTF-16LE with BOM',
      };
    }
    case 'truncate': {
      const at = prng.int(0, Math.max(0, bytes.length - 1));
      return { body: bytes.subarray(0, at), note: `truncated at byte ${at} of ${bytes.length}` };
    }
    case 'invalidUtf8': {
      const junk = prng.pick([
        [0xc3, 0x28],
        [0xff],
        [0xfe, 0xfe],
        [0xc0, 0xaf],
        [0xed, 0xa0, 0x80],
        [0xf4, 0x90, 0x80, 0x80],
        [0xe2, 0x82],
        [0x80],
      ]);
      // Inside a string value when there is one (the decoder's replacement may then make it valid).
      const quote = bytes.indexOf(0x22, prng.int(0, Math.max(0, bytes.length - 1)));
      const at = quote >= 0 ? quote + 1 : prng.int(0, bytes.length);
      return {
        body: Buffer.concat([bytes.subarray(0, at), Buffer.from(junk), bytes.subarray(at)]),
        note: `invalid UTF-8 ${Buffer.from(junk).toString('hex')} at byte ${at}`,
      };
    }
    case 'rawTokens': {
      const token = prng.pick([
        'NaN',
        'Infinity',
        '-Infinity',
        '1e999',
        '0x10',
        '0123',
        '+1',
        '.5',
        '1.',
        'undefined',
        "'x'",
        'True',
      ]);
      const numbers = [...text.matchAll(/:(-?\d+(\.\d+)?)/g)];
      if (numbers.length === 0)
        return { body: Buffer.from(`${text}${token}`), note: `raw ${token} appended` };
      const match = prng.pick(numbers);
      const at = (match.index ?? 0) + 1;
      return {
        body: Buffer.from(`${text.slice(0, at)}${token}${text.slice(at + (match[1] as string).length)}`),
        note: `a number replaced by raw ${token}`,
      };
    }
    case 'garbage': {
      const junk = prng.bytes(prng.int(1, 64));
      const at = prng.int(0, bytes.length);
      return {
        body: Buffer.concat([bytes.subarray(0, at), junk, bytes.subarray(at)]),
        note: `${junk.length} random bytes at ${at}`,
      };
    }
    case 'oversize': {
      const over = limitBytes + prng.pick([1, 1024, limitBytes]);
      const how = prng.pick(['whitespace', 'string']);
      if (how === 'whitespace')
        return {
          // A body already past the limit (a mutation of a mutation) gets no padding, not a negative one.
          body: Buffer.concat([bytes, Buffer.alloc(Math.max(0, over - bytes.length + 1), 0x20)]),
          note: `padded with spaces to ${over + 1} bytes`,
        };
      const filler = 'x'.repeat(over);
      return {
        body: Buffer.from(`{"padding":"${filler}",${text.slice(1)}`),
        note: `a ${over}-byte string field`,
      };
    }
    case 'whitespace':
      return { body: Buffer.from(`\n\t \r${text}\n\n\u00a0`), note: 'odd whitespace around (NBSP after)' };
    case 'controls': {
      const quote = text.indexOf('"', prng.int(0, Math.max(0, text.length - 1)));
      const at = quote >= 0 ? quote + 1 : 0;
      const ch = prng.pick([
        '\u0000',
        '\u0001',
        '\n',
        '\t',
        '\u001f',
        '\\',
        '\\u',
        '\\ud800',
        '\\x00',
        '\\u0000',
      ]);
      return {
        body: Buffer.from(`${text.slice(0, at)}${ch}${text.slice(at)}`),
        note: `raw ${JSON.stringify(ch)} inside a string`,
      };
    }
    case 'nonObject': {
      const value = prng.pick([
        '',
        'null',
        '[]',
        '0',
        '"string"',
        'true',
        '[{}]',
        `[${text}]`,
        '{}',
        '{"":""}',
        ' ',
      ]);
      return { body: Buffer.from(value), note: `body ${JSON.stringify(value.slice(0, 20))}` };
    }
    default:
      return { body: Buffer.from(`/* c */${text}// end`), note: 'comments' };
  }
}

/** 1–3 value mutations, then (sometimes) one text mutation. */
export function mutateJson(
  prng: Prng,
  base: JsonLike,
  options: { knownKeys?: readonly string[]; limitBytes: number; textChance?: number },
): { body: Buffer; notes: string[] } {
  const notes: string[] = [];
  let value = base;
  const rounds = prng.weighted([
    [1, 6],
    [2, 3],
    [3, 1],
  ]);
  for (let i = 0; i < rounds; i += 1) {
    if (prng.chance(0.15) && i > 0) break;
    const mutated = mutateValue(prng, value, options.knownKeys);
    value = mutated.value;
    notes.push(mutated.note);
  }
  let body: Buffer = Buffer.from(serialize(value), 'utf8');
  if (prng.chance(options.textChance ?? 0.3)) {
    const text = mutateText(prng, body.toString('utf8'), options.limitBytes);
    body = text.body;
    notes.push(text.note);
  }
  return { body, notes };
}

/** Percent-encoding that never throws: a lone surrogate is written as its WTF-8 bytes (`%ED%A0%80`). */
export function percentEncode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(text.slice(i, i + 2));
      i += 1;
    } else if (c >= 0xd800 && c <= 0xdfff)
      out += `%${(0xe0 | (c >> 12)).toString(16).toUpperCase()}%${(0x80 | ((c >> 6) & 0x3f)).toString(16).toUpperCase()}%${(0x80 | (c & 0x3f)).toString(16).toUpperCase()}`;
    else out += encodeURIComponent(text[i] as string);
  }
  return out;
}
