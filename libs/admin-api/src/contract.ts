import { z } from 'zod';

/**
 * How the admin API is described once: each route is a contract (method, path, query, body and
 * answer as zod schemas). The cloud validates requests and shapes answers with it, its OpenAPI
 * document is generated from it, and the dashboard's client is built on it.
 *
 * Direction: a schema's *input* side is the wire (JSON: dates as ISO strings), its *output* side is
 * what the code works with (dates as `Date`). A request is decoded (wire → code), an answer is
 * encoded (code → wire): `z.decode` / `z.encode`.
 */

/** What goes over the wire for a schema (the dashboard's types). */
export type Wire<S extends z.ZodType> = z.input<S>;
/** What the cloud's code holds for a schema (dates as `Date`). */
export type Data<S extends z.ZodType> = z.output<S>;

/** An instant: ISO 8601 with `Z` on the wire, a `Date` in the code. */
export const isoDateTime = z.codec(z.iso.datetime({ offset: true }), z.date(), {
  decode: (text) => new Date(text),
  encode: (date) => date.toISOString(),
});

/** An id of a row (cuid / uuid / the embedded names), as every path and filter takes it. */
export const id = z.string().min(1).max(64);

export const currency = z.enum(['KZT', 'RUB']);
export const registerKind = z.enum(['ikkm', 'cash-core']);
export const adminRole = z.enum(['admin', 'viewer']);
/** `inDoubt`: a fiscal call was sent and whether it took effect is not proven (never re-sent blindly). */
export const documentStatus = z.enum(['pending', 'done', 'failed', 'inDoubt']);

/** The domain error an answer carries (e.g. 409 `AGENT_OFFLINE`), with the device's own code. */
export const apiError = z.object({
  code: z.string(),
  message: z.string(),
  device: z.object({ code: z.number(), text: z.string(), constant: z.string().optional() }).optional(),
});

/** A keyset page: pass `nextCursor` as `cursor` for the next one. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(300).optional(),
});

/** The body of a change: at least one field set. */
export const someChange = (body: Record<string, unknown>): boolean =>
  Object.values(body).some((value) => value !== undefined);

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface RouteContract {
  readonly method: HttpMethod;
  /** From the root, `:name` for a path parameter (`/api/registers/:id`). */
  readonly path: string;
  /** OpenAPI tag: the feature the route belongs to. */
  readonly tag: string;
  readonly summary: string;
  /** No sign-in needed (login, enrollment). */
  readonly public?: boolean;
  /** Changes something: role `admin` only (a viewer sees everything and changes nothing). */
  readonly adminOnly?: boolean;
  readonly query?: z.ZodObject;
  /** The request body; a route without one refuses any body (400). */
  readonly body?: z.ZodType;
  /** The answer's JSON; `null`: 204 No Content; `'image/png'`: a picture. */
  readonly response: z.ZodType | null | 'image/png';
  /** The success status when it is not the method's default (POST 201, others 200). */
  readonly status?: 200 | 201 | 204;
}

/** Routes by feature (`{ stores: { list, create } }`). */
export type RouteTree = { readonly [name: string]: RouteContract | RouteTree };

/** Keeps a contract's literal types (its path and schemas) for the client's signatures. */
export const route = <const R extends RouteContract>(contract: R): R => contract;

/** The success status of a route. */
export const successStatus = (contract: RouteContract): number =>
  contract.status ?? (contract.response === null ? 204 : contract.method === 'POST' ? 201 : 200);

/** The JSON Schema of a request or answer as it is on the wire. */
export const wireJsonSchema = (schema: z.ZodType): Record<string, unknown> =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;

/** `"path.to.field: message; …"`: the text of a 400 for a request that does not fit its schema. */
export const issuesText = (error: z.ZodError, where: string): string =>
  error.issues.map((issue) => `${issue.path.join('.') || where}: ${issue.message}`).join('; ');
