import { parseJsonGuarded } from '@kassa-relay/protocol';
import type { JsonLike } from './mutate';
import type { Prng } from '@kassa-relay/testing';

/** A JSON Schema as the cloud's OpenAPI document writes it (zod's `toJSONSchema`). */
export interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  description?: string;
}

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: Schema;
}

export interface OpenApiOperation {
  method: string;
  /** `/api/stores/{id}` */
  path: string;
  parameters: OpenApiParameter[];
  body?: Schema;
  /** Needs a bearer token (`security` in the document). */
  secured: boolean;
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: OpenApiParameter[];
        requestBody?: { content?: Record<string, { schema?: Schema }> };
        security?: unknown[];
      }
    >
  >;
}

/** Every operation of the cloud's OpenAPI document (`/api/docs/openapi.json`). */
export async function loadOperations(cloudUrl: string, token: string): Promise<OpenApiOperation[]> {
  const response = await fetch(`${cloudUrl}/api/docs/openapi.json`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!response.ok) throw new Error(`GET /api/docs/openapi.json: HTTP ${response.status}`);
  const document = (await response.json()) as OpenApiDocument;
  const operations: OpenApiOperation[] = [];
  for (const [path, methods] of Object.entries(document.paths))
    for (const [method, operation] of Object.entries(methods)) {
      const body = operation.requestBody?.content?.['application/json']?.schema;
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: operation.parameters ?? [],
        ...(body ? { body } : {}),
        secured: Array.isArray(operation.security) && operation.security.length > 0,
      });
    }
  return operations;
}

/** Known patterns of the document, with a value that matches each. */
const PATTERN_EXAMPLES: [RegExp, () => string][] = [
  [/^\^\\d\+\$$/, () => '12345678'],
  [/^\^\\d\{4,8\}\$$/, () => '1234'],
  [/^\^\\d\{12\}\$$/, () => '123456789012'],
  [/^\^\\S\+\$$/, () => 'FISCAL-1'],
  [/^\\S$/, () => 'note'],
];

/**
 * A value the schema accepts. `hint` supplies values for fields the document cannot describe
 * (ids of things that exist, URLs, emails): the field name decides.
 */
export function exampleOf(
  prng: Prng,
  schema: Schema,
  hint: (field: string) => JsonLike | undefined,
  field = '',
): JsonLike {
  const hinted = field ? hint(field) : undefined;
  if (hinted !== undefined && validate(schema, hinted as unknown).length === 0) return hinted;
  if (schema.const !== undefined) return schema.const as JsonLike;
  if (schema.enum) return prng.pick(schema.enum) as JsonLike;
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches)
    return exampleOf(
      prng,
      prng.pick(
        branches.filter((b) => b.type !== 'null').length
          ? branches.filter((b) => b.type !== 'null')
          : branches,
      ),
      hint,
      field,
    );
  if (schema.allOf?.[0]) return exampleOf(prng, schema.allOf[0], hint, field);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, JsonLike> = {};
      for (const [name, property] of Object.entries(schema.properties ?? {}))
        if (schema.required?.includes(name) || prng.chance(0.5))
          out[name] = exampleOf(prng, property, hint, name);
      return out;
    }
    case 'array': {
      const count = Math.max(schema.minItems ?? 0, prng.int(0, Math.min(2, schema.maxItems ?? 2)));
      return Array.from({ length: count }, () => exampleOf(prng, schema.items ?? {}, hint, field));
    }
    case 'integer': {
      const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1);
      const max =
        schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : min + 100);
      return Math.min(max, min + prng.int(0, 10));
    }
    case 'number':
      return Math.min(schema.maximum ?? 12, Math.max(schema.minimum ?? 0, 12));
    case 'boolean':
      return prng.chance(0.5);
    case 'null':
      return null;
    case 'string': {
      if (schema.pattern) {
        const known = PATTERN_EXAMPLES.find(([p]) => p.test(schema.pattern as string));
        if (known) return known[1]();
      }
      if (schema.format === 'email') return 'someone@example.kz';
      if (schema.format === 'date-time') return '2026-01-02T10:00:00Z';
      if (schema.format === 'date') return '2026-01-02';
      if (schema.format === 'uri') return 'http://127.0.0.1:9/';
      const length = Math.max(schema.minLength ?? 1, Math.min(schema.maxLength ?? 12, 8));
      return 'Касса-фаззер'.padEnd(length, 'x').slice(0, Math.max(length, schema.minLength ?? 1));
    }
    default:
      return 'x';
  }
}

const typeOf = (value: unknown): string =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'array'
      : typeof value === 'number'
        ? Number.isInteger(value)
          ? 'integer'
          : 'number'
        : typeof value;

function typeMatches(expected: string, value: unknown): boolean {
  const actual = typeOf(value);
  return expected === actual || (expected === 'number' && actual === 'integer');
}

/**
 * What is wrong with `value` under `schema` (empty: nothing). Permissive where the document and
 * the route's zod schema may differ — `oneOf` as `anyOf`, a property with a `default` not
 * required, unknown properties allowed, formats not checked, lengths counted the way that accepts
 * more — so "invalid" here is invalid for the route too.
 */
export function validate(schema: Schema, value: unknown, path = 'body'): string[] {
  if (schema.const !== undefined)
    return Object.is(schema.const, value) ? [] : [`${path}: not ${JSON.stringify(schema.const)}`];
  if (schema.enum) return schema.enum.some((e) => Object.is(e, value)) ? [] : [`${path}: not in enum`];
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches)
    return branches.some((b) => validate(b, value, path).length === 0)
      ? []
      : [`${path}: matches no alternative`];
  if (schema.allOf) return schema.allOf.flatMap((s) => validate(s, value, path));
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => typeMatches(t, value))) return [`${path}: not ${types.join('|')}`];
  }
  const problems: string[] = [];
  if (typeof value === 'string') {
    const units = value.length;
    const codePoints = [...value].length;
    if (schema.minLength !== undefined && units < schema.minLength)
      problems.push(`${path}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && codePoints > schema.maxLength)
      problems.push(`${path}: longer than ${schema.maxLength}`);
    if (schema.pattern) {
      let re: RegExp | undefined;
      try {
        re = new RegExp(schema.pattern, 'u');
      } catch {
        try {
          re = new RegExp(schema.pattern);
        } catch {
          re = undefined;
        }
      }
      if (re && !re.test(value)) problems.push(`${path}: does not match ${schema.pattern}`);
    }
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${path}: < ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${path}: > ${schema.maximum}`);
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum)
      problems.push(`${path}: ≤ ${schema.exclusiveMinimum}`);
    if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum)
      problems.push(`${path}: ≥ ${schema.exclusiveMaximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      problems.push(`${path}: fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      problems.push(`${path}: more than ${schema.maxItems} items`);
    if (schema.items)
      value.forEach((item, i) => problems.push(...validate(schema.items as Schema, item, `${path}[${i}]`)));
  }
  if (typeOf(value) === 'object') {
    const record = value as Record<string, unknown>;
    for (const name of schema.required ?? [])
      if (!(name in record) && schema.properties?.[name]?.default === undefined)
        problems.push(`${path}.${name}: missing`);
    for (const [name, child] of Object.entries(record)) {
      const property = schema.properties?.[name];
      if (property) problems.push(...validate(property, child, `${path}.${name}`));
      // `additionalProperties: false` is not trusted: some operations document zod's output side,
      // while the route strips unknown keys (see docs/reliability.md, "Fuzzing").
    }
  }
  return problems;
}

/**
 * The cloud's verdict on an admin body before any route sees it (`adminInput`), with the protocol
 * library's own guard: leading BOMs ignored, nesting deeper than MAX_JSON_DEPTH, malformed JSON, a
 * NUL or a lone surrogate anywhere — each refused; an empty body is `{}`. Then the operation's schema.
 */
export function adminBodyProblems(schema: Schema | undefined, body: Buffer | undefined): string[] {
  const text = (body ?? Buffer.alloc(0)).toString('utf8');
  // String.prototype.trim removes BOMs too, as the cloud's check does.
  if (!text.trim()) return schema ? validate(schema, {}) : [];
  const parsed = parseJsonGuarded(text);
  if (!parsed.ok) return [parsed.reason];
  return schema ? validate(schema, parsed.value) : [];
}
