import { canonicalError, type CanonicalError } from '@kassa-relay/protocol';

export interface HttpAnswer {
  status: number;
  statusText: string;
  body: Buffer;
  contentType: string;
}

export type HttpOutcome =
  { ok: true; answer: HttpAnswer } | { ok: false; error: CanonicalError; sent: boolean };

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

/**
 * One HTTP exchange with a device on the store LAN. Distinguishes "never reached the device"
 * (connection refused: safe to say nothing happened) from "sent, then no answer" (timeout,
 * dropped connection: the device may have committed — the caller must reconcile).
 */
export async function deviceRequest(request: HttpRequest): Promise<HttpOutcome> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), request.timeoutMs);
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers ?? {},
      ...(request.body !== undefined ? { body: request.body } : {}),
      signal: controller.signal,
    });
    const body = Buffer.from(await response.arrayBuffer());
    return {
      ok: true,
      answer: {
        status: response.status,
        statusText: response.statusText,
        body,
        contentType: response.headers.get('content-type') ?? '',
      },
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    const code = cause?.code ?? '';
    if (controller.signal.aborted) {
      return {
        ok: false,
        sent: true,
        error: canonicalError('DEVICE_TIMEOUT', `касса не ответила за ${request.timeoutMs} мс`),
      };
    }
    if (['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) {
      return {
        ok: false,
        sent: false,
        error: canonicalError('REGISTER_UNREACHABLE', `касса недоступна (${code})`),
      };
    }
    // Reset or closed mid-exchange: the request may have reached the device.
    return {
      ok: false,
      sent: true,
      error: canonicalError(
        'RESULT_UNKNOWN',
        `связь с кассой оборвалась: ${code || (error as Error).message}`,
      ),
    };
  } finally {
    clearTimeout(timer);
  }
}
