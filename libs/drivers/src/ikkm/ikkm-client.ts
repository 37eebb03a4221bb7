import { canonicalError, type CanonicalError, ikkmError } from '@kassa-relay/protocol';
import { deviceRequest } from '../http/http-client';
import type { IkkmKeyStore } from '../register-driver';
import { SerialQueue } from '../serial-queue';

/** Seed 002: "Установите таймаут запроса 10 секунд". */
export const IKKM_DEFAULT_TIMEOUT_MS = 10_000;

export type IkkmMethod = 'GET' | 'POST';

/**
 * One web-api answer.
 * - `ok`: HTTP 2xx whose body is not a negative code. `value` is the body (trimmed): a new key,
 *   `0`, or — for the calls the seed gives no answer to (Z, X, print) — anything, even empty.
 * - not `ok` with `code`: the device refused (body = negative code, seed "Коды Ответов").
 * - not `ok` without `code`: no answer (`sent` tells whether the request may have reached the
 *   device) or an answer that is not the seed's (`unexpected`).
 */
export type IkkmAnswer =
  | { ok: true; status: number; statusText: string; value: string; repeated: boolean }
  | {
      ok: false;
      error: CanonicalError;
      sent: boolean;
      code?: number;
      status?: number;
      statusText?: string;
      /** The device answered, but not as the seed says it answers (e.g. no key from `/api`). */
      unexpected?: boolean;
    };

export interface IkkmRequest {
  method: IkkmMethod;
  path: string;
  /** Every parameter sent, `key` included. */
  params: Record<string, string>;
}

export interface IkkmClientOptions {
  baseUrl: string;
  keyStore: IkkmKeyStore;
  timeoutMs?: number;
  /** Pause between two requests to the device (a real iKKM copes with about one a second). */
  minRequestIntervalMs?: number;
}

export interface IkkmCallOptions {
  /** GET (query string) or POST (form body). Default POST. */
  method?: IkkmMethod;
  /** The key to send instead of the stored one (a reconciliation repeat, a lookup). */
  key?: string;
  /**
   * `key`: the answer must be a new web-api key (`/api`, `/apideposit`, `/apiwithdraw`); a 2xx
   * without one is `unexpected`. `any`: any 2xx body is an answer (seed: no answer provided).
   */
  expect?: 'key' | 'any';
  /** Sees the exact request before it is sent (the journal checkpoint); awaited. */
  beforeSend?: (request: IkkmRequest) => Promise<void> | void;
  /**
   * Runs inside the device queue right after the answer, before any other request: where a new
   * key is saved (and the checkpoint amended), so nothing can use the old key meanwhile.
   */
  afterAnswer?: (answer: IkkmAnswer, request: IkkmRequest) => Promise<void> | void;
}

/**
 * HTTP to the iKKM. Every call goes through one queue; `call` interprets the web-api answer
 * convention (body = one number: new key / 0 ready / negative code; status text = check number
 * or short reason), `getJson` reads getInfo and the dump tables.
 */
export class IkkmClient {
  private readonly queue = new SerialQueue();
  private readonly baseUrl: string;
  private readonly keyStore: IkkmKeyStore;
  private readonly timeoutMs: number;
  private readonly minIntervalMs: number;
  private lastRequestAt = 0;

  constructor(options: IkkmClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.keyStore = options.keyStore;
    this.timeoutMs = options.timeoutMs ?? IKKM_DEFAULT_TIMEOUT_MS;
    this.minIntervalMs = options.minRequestIntervalMs ?? 0;
  }

  /** The stored key, read in the device queue (after any rotation queued before). */
  currentKey(): Promise<string> {
    return this.queue.run(async () => this.keyStore.load());
  }

  /**
   * A web-api call whose body is a single number (or nothing). The key is read inside the device
   * queue, so no other request can slip in between reading it and a rotation.
   */
  call(
    path: string,
    params: Record<string, string>,
    options: IkkmCallOptions = {},
  ): Promise<IkkmAnswer & { request: IkkmRequest }> {
    return this.queue.run(async () => {
      const key = options.key ?? (await this.keyStore.load());
      const request: IkkmRequest = { method: options.method ?? 'POST', path, params: { key, ...params } };
      await options.beforeSend?.(request);
      const answer = await this.send(request, options.expect ?? 'key');
      await options.afterAnswer?.(answer, request);
      return { ...answer, request };
    });
  }

  /** Sends a request recorded earlier exactly as it was (a reconciliation repeat). */
  repeat(
    request: IkkmRequest,
    options: Pick<IkkmCallOptions, 'expect' | 'afterAnswer'> = {},
  ): Promise<IkkmAnswer & { request: IkkmRequest }> {
    return this.queue.run(async () => {
      const answer = await this.send(request, options.expect ?? 'key');
      await options.afterAnswer?.(answer, request);
      return { ...answer, request };
    });
  }

  /** getInfo or a dump table: JSON on success, a web-api number (negative code) on failure. */
  getJson<T>(
    path: string,
    params: Record<string, string> = {},
  ): Promise<{ ok: true; value: T } | { ok: false; error: CanonicalError; code?: number }> {
    return this.queue.run(async () => {
      const key = params['key'] ?? (await this.keyStore.load());
      await this.pace();
      const query = new URLSearchParams({ ...params, key }).toString();
      const outcome = await deviceRequest({
        method: 'GET',
        url: `${this.baseUrl}${path}?${query}`,
        timeoutMs: this.timeoutMs,
      });
      if (!outcome.ok) return { ok: false, error: outcome.error };
      const text = outcome.answer.body.toString('utf8').trim();
      if (/^-\d+$/.test(text)) {
        const code = Number(text);
        return { ok: false, code, error: ikkmError(code, outcome.answer.statusText) };
      }
      try {
        return { ok: true, value: JSON.parse(text) as T };
      } catch {
        return {
          ok: false,
          error: canonicalError(
            'DEVICE_ERROR',
            `iKKM ${path}: ответ не JSON (HTTP ${outcome.answer.status}): ${text.slice(0, 120)}`,
          ),
        };
      }
    });
  }

  private async send(request: IkkmRequest, expect: 'key' | 'any'): Promise<IkkmAnswer> {
    await this.pace();
    const form = new URLSearchParams(request.params).toString();
    const outcome = await deviceRequest(
      request.method === 'GET'
        ? { method: 'GET', url: `${this.baseUrl}${request.path}?${form}`, timeoutMs: this.timeoutMs }
        : {
            method: 'POST',
            url: `${this.baseUrl}${request.path}`,
            headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
            body: form,
            timeoutMs: this.timeoutMs,
          },
    );
    return interpret(outcome, expect);
  }

  private async pace(): Promise<void> {
    const wait = this.lastRequestAt + this.minIntervalMs - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    this.lastRequestAt = Date.now();
  }
}

function interpret(outcome: Awaited<ReturnType<typeof deviceRequest>>, expect: 'key' | 'any'): IkkmAnswer {
  if (!outcome.ok) return { ok: false, error: outcome.error, sent: outcome.sent };
  const { status, statusText } = outcome.answer;
  const text = outcome.answer.body.toString('utf8').trim();
  if (/^-\d+$/.test(text)) {
    const code = Number(text);
    return { ok: false, sent: true, code, status, statusText, error: ikkmError(code, statusText) };
  }
  const success = status >= 200 && status < 300;
  const isKey = /^\d+$/.test(text) && /[1-9]/.test(text);
  if (success && (expect === 'any' || isKey))
    return { ok: true, status, statusText, value: text, repeated: status === 203 };
  return {
    ok: false,
    sent: true,
    unexpected: true,
    status,
    statusText,
    error: canonicalError(
      'DEVICE_ERROR',
      `неожиданный ответ iKKM (HTTP ${status} ${statusText}): «${text.slice(0, 120)}»`,
    ),
  };
}
