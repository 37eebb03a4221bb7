import { canonicalError, type CanonicalError, ikkmError } from '@kassa-relay/protocol';
import { deviceRequest } from '../http/http-client';
import type { IkkmKeyStore } from '../register-driver';
import { SerialQueue } from '../serial-queue';

/** Seed 002: "Установите таймаут запроса 10 секунд". */
export const IKKM_DEFAULT_TIMEOUT_MS = 10_000;

/** One web-api answer: HTTP 200/203 with a non-negative number, or a negative code. */
export type IkkmAnswer =
  | { ok: true; status: number; statusText: string; value: string; repeated: boolean }
  | { ok: false; error: CanonicalError; sent: boolean; code?: number; status?: number; statusText?: string };

export interface IkkmClientOptions {
  baseUrl: string;
  keyStore: IkkmKeyStore;
  timeoutMs?: number;
  /** Pause between two requests to the device (a real iKKM copes with about one a second). */
  minRequestIntervalMs?: number;
}

/**
 * HTTP to the iKKM. Every call goes through one queue; `call` interprets the web-api answer
 * convention (body = one number: new key / 0 ready / negative code; status text = check number
 * or short reason), `getJson` reads the dump tables.
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

  /**
   * A web-api call whose body is a single number, POST form-encoded (print/itemdata need POST).
   * The key is read inside the device queue, so no other request can slip in between reading it
   * and a rotation. `rotatesKey` calls save the new key (the answer) before anything else runs;
   * `beforeSend` sees the exact request first (the journal checkpoint); `key` overrides the
   * stored key (a reconciliation repeat).
   */
  call(
    path: string,
    params: Record<string, string>,
    options: {
      rotatesKey?: boolean;
      key?: string;
      beforeSend?: (request: { key: string; params: Record<string, string> }) => Promise<void> | void;
    } = {},
  ): Promise<IkkmAnswer & { keyUsed: string }> {
    return this.queue.run(async () => {
      const key = options.key ?? (await this.keyStore.load());
      const withKey = { key, ...params };
      await options.beforeSend?.({ key, params: withKey });
      await this.pace();
      const outcome = await deviceRequest({
        method: 'POST',
        url: `${this.baseUrl}${path}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: new URLSearchParams(withKey).toString(),
        timeoutMs: this.timeoutMs,
      });
      const answer = interpret(outcome);
      if (answer.ok && options.rotatesKey) await this.keyStore.save(answer.value);
      return { ...answer, keyUsed: key };
    });
  }

  /** A dump table or getInfo: JSON on success, a web-api number (negative code) on failure. */
  getJson<T>(
    path: string,
    params: Record<string, string> = {},
  ): Promise<{ ok: true; value: T } | { ok: false; error: CanonicalError }> {
    return this.queue.run(async () => {
      const key = params['key'] ?? (await this.keyStore.load());
      await this.pace();
      const query = new URLSearchParams({ key, ...params }).toString();
      const outcome = await deviceRequest({
        method: 'GET',
        url: `${this.baseUrl}${path}${query ? `?${query}` : ''}`,
        timeoutMs: this.timeoutMs,
      });
      if (!outcome.ok) return { ok: false, error: outcome.error };
      const text = outcome.answer.body.toString('utf8').trim();
      if (/^-\d+$/.test(text))
        return { ok: false, error: ikkmError(Number(text), outcome.answer.statusText) };
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

  private async pace(): Promise<void> {
    const wait = this.lastRequestAt + this.minIntervalMs - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    this.lastRequestAt = Date.now();
  }
}

function interpret(outcome: Awaited<ReturnType<typeof deviceRequest>>): IkkmAnswer {
  if (!outcome.ok) return { ok: false, error: outcome.error, sent: outcome.sent };
  const { status, statusText } = outcome.answer;
  const text = outcome.answer.body.toString('utf8').trim();
  if (!/^-?\d+$/.test(text)) {
    return {
      ok: false,
      sent: true,
      status,
      statusText,
      error: canonicalError('DEVICE_ERROR', `неожиданный ответ iKKM (HTTP ${status}): ${text.slice(0, 120)}`),
    };
  }
  const value = Number(text);
  if (value < 0)
    return { ok: false, sent: true, code: value, status, statusText, error: ikkmError(value, statusText) };
  return { ok: true, status, statusText, value: text, repeated: status === 203 };
}
