import type { ApiErrorBody } from './types';

/** An admin API error answer, with the domain error (`AGENT_OFFLINE`, …) when the cloud gave one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The canonical error carried by the answer (e.g. 409 `AGENT_OFFLINE`), when there is one. */
    readonly domain?: ApiErrorBody,
  ) {
    super(message);
  }

  /** The browser could not reach the cloud at all. */
  get network(): boolean {
    return this.status === 0;
  }
}

type TokenSource = () => string | null;

let tokenSource: TokenSource = () => null;
let onUnauthorized: () => void = () => undefined;

/** Wired once by the session provider: where the bearer token comes from and what a 401 does. */
export function configureApi(source: TokenSource, unauthorized: () => void): void {
  tokenSource = source;
  onUnauthorized = unauthorized;
}

export function currentToken(): string | null {
  return tokenSource();
}

function domainError(body: unknown): ApiErrorBody | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const record = body as Record<string, unknown>;
  const candidate = [record.error, record].find(
    (value): value is Record<string, unknown> =>
      !!value && typeof value === 'object' && typeof (value as { code?: unknown }).code === 'string',
  );
  if (!candidate) return undefined;
  return {
    code: candidate.code as string,
    message: typeof candidate.message === 'string' ? candidate.message : String(record.message ?? ''),
    ...(candidate.device ? { device: candidate.device as ApiErrorBody['device'] } : {}),
  };
}

function errorMessage(body: unknown, fallback: string): string {
  if (body && typeof body === 'object') {
    const message = (body as { message?: unknown }).message;
    if (typeof message === 'string' && message) return message;
    if (Array.isArray(message)) return message.join('; ');
  }
  return fallback;
}

/** Query string from the values that are set; empty strings and nulls are left out. */
export function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** Login itself must not log the user out on 401. */
  anonymous?: boolean;
}

async function send(path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = {};
  const token = options.anonymous ? null : tokenSource();
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  try {
    return await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, (error as Error).message);
  }
}

async function failure(response: Response, options: RequestOptions): Promise<ApiError> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // a proxy's HTML error page: keep the status text
  }
  if (response.status === 401 && !options.anonymous) onUnauthorized();
  return new ApiError(response.status, errorMessage(body, response.statusText), domainError(body));
}

/** One admin API call: JSON in and out, bearer token attached, errors as `ApiError`. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, options);
  if (!response.ok) throw await failure(response, options);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A binary answer (the receipt image); `null` when the API answers 404. */
export async function apiBlob(path: string, signal?: AbortSignal): Promise<Blob | null> {
  const response = await send(path, signal ? { signal } : {});
  if (response.status === 404) return null;
  if (!response.ok) throw await failure(response, {});
  return response.blob();
}
