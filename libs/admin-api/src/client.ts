import type { z } from 'zod';
import type { HttpMethod, RouteContract, RouteTree } from './contract';

/** One request as the transport sends it. */
export interface ApiRequest {
  method: HttpMethod;
  /** Path with its parameters filled in and the query string appended. */
  path: string;
  body?: unknown;
  /** What the answer is: JSON, nothing (204) or a picture (a `Blob`, or `null` on 404). */
  answer: 'json' | 'none' | 'binary';
}

/** Sends a request (fetch with the bearer token, in the dashboard; anything in a test). */
export type Transport = (request: ApiRequest, signal?: AbortSignal) => Promise<unknown>;

/**
 * A call not yet made: `await` it (sent once, however often it is awaited), or give it to
 * something that makes it when it needs to (the dashboard's `useApi` refetches by `key` with `run`).
 */
export interface Call<T> extends PromiseLike<T> {
  /** Method and path with query: the same key for the same request. */
  readonly key: string;
  run(signal?: AbortSignal): Promise<T>;
}

type PathParams<P extends string> = P extends `${string}:${string}/${infer Rest}`
  ? [string, ...PathParams<`/${Rest}`>]
  : P extends `${string}:${string}`
    ? [string]
    : [];

type Input<R extends RouteContract> = R['body'] extends z.ZodType
  ? [body: z.input<R['body']>]
  : R['query'] extends z.ZodObject
    ? [query?: Partial<z.input<R['query']>>]
    : [];

/** What a route answers on the wire. */
export type Answer<R extends RouteContract> = R['response'] extends z.ZodType
  ? z.input<R['response']>
  : R['response'] extends 'image/png'
    ? Blob | null
    : void;

export type ClientCall<R extends RouteContract> = (
  ...args: [...PathParams<R['path']>, ...Input<R>]
) => Call<Answer<R>>;

export type Client<T extends RouteTree> = {
  [K in keyof T]: T[K] extends RouteContract
    ? ClientCall<T[K]>
    : T[K] extends RouteTree
      ? Client<T[K]>
      : never;
};

const isContract = (node: RouteContract | RouteTree): node is RouteContract =>
  typeof (node as RouteContract).method === 'string' && typeof (node as RouteContract).path === 'string';

/** Query string from the values that are set; empty strings, nulls and undefined are left out. */
export function queryString(params: Record<string, unknown> | undefined): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params ?? {}))
    if (value !== undefined && value !== null && value !== '')
      search.set(name, Array.isArray(value) ? value.join(',') : String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

function request(contract: RouteContract, args: unknown[]): ApiRequest {
  let index = 0;
  const path = contract.path.replace(/:[A-Za-z]+/g, () => encodeURIComponent(String(args[index++])));
  const input = args[index];
  const answer = contract.response === null ? 'none' : contract.response === 'image/png' ? 'binary' : 'json';
  if (contract.body) return { method: contract.method, path, body: input, answer };
  return { method: contract.method, path: path + queryString(input as Record<string, unknown>), answer };
}

function call<T>(transport: Transport, req: ApiRequest): Call<T> {
  const run = (signal?: AbortSignal) => transport(req, signal) as Promise<T>;
  // A change must not be sent twice because two places awaited the same call.
  let sent: Promise<T> | undefined;
  return {
    key: `${req.method} ${req.path}${req.body === undefined ? '' : ` ${JSON.stringify(req.body)}`}`,
    run,
    then: (onFulfilled, onRejected) => (sent ??= run()).then(onFulfilled, onRejected),
  };
}

/** The typed client of a route tree: `client.registers.get(id)`, `client.documents.list({ status })`. */
export function createClient<T extends RouteTree>(routes: T, transport: Transport): Client<T> {
  const build = (tree: RouteTree): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(tree).map(([name, node]) => [
        name,
        isContract(node) ? (...args: unknown[]) => call(transport, request(node, args)) : build(node),
      ]),
    );
  return build(routes) as Client<T>;
}
