import { adminRoutes, type apiError, type ApiRequest, createClient, type Wire } from '@kassa-relay/admin-api';

/** The domain error an answer carries (`AGENT_OFFLINE`, a device's own code…). */
export type ApiErrorBody = Wire<typeof apiError>;

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

interface SendOptions {
  signal?: AbortSignal;
  /** Login itself must not log the user out on 401. */
  anonymous?: boolean;
}

async function send(request: ApiRequest, options: SendOptions): Promise<Response> {
  const headers: Record<string, string> = {};
  const token = options.anonymous ? null : tokenSource();
  if (token) headers.authorization = `Bearer ${token}`;
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  try {
    return await fetch(request.path, {
      method: request.method,
      headers,
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, (error as Error).message);
  }
}

async function failure(response: Response, options: SendOptions): Promise<ApiError> {
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

/** fetch with the bearer token: JSON in and out, errors as `ApiError`, a missing picture as `null`. */
async function transport(request: ApiRequest, signal?: AbortSignal): Promise<unknown> {
  // Signing in is the one call without a session: a 401 there is a wrong password, not an expiry.
  const options: SendOptions = {
    ...(signal ? { signal } : {}),
    anonymous: request.path === adminRoutes.auth.login.path,
  };
  const response = await send(request, options);
  if (request.answer === 'binary' && response.status === 404) return null;
  if (!response.ok) throw await failure(response, options);
  if (request.answer === 'binary') return response.blob();
  if (response.status === 204 || request.answer === 'none') return undefined;
  const text = await response.text();
  return text ? JSON.parse(text) : undefined;
}

/**
 * The admin API, typed by its contract (`@kassa-relay/admin-api`): `await api.stores.create(body)`,
 * or `useApi(api.registers.get(id))` to show it.
 */
export const api = createClient(adminRoutes, transport);
