import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { canonicalError, type CanonicalError } from '@kassa-relay/protocol';

/** Connection errors that prove the request never reached the device. */
const NOT_SENT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

// node:http rather than fetch: a quarter of fetch's CPU per exchange, and every sale makes two.
// Kept-alive connections are dropped after 4 s idle, before a device's own keep-alive timeout
// (5 s is common) can close one under a new request.
const HTTP_AGENT = new HttpAgent({ keepAlive: true, timeout: 4_000 });
const HTTPS_AGENT = new HttpsAgent({ keepAlive: true, timeout: 4_000 });

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
export function deviceRequest(request: HttpRequest): Promise<HttpOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: HttpOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const failed = (error: Error & { code?: string }) => {
      const code = error.code ?? '';
      if (NOT_SENT.has(code))
        return finish({
          ok: false,
          sent: false,
          error: canonicalError('REGISTER_UNREACHABLE', `касса недоступна (${code})`),
        });
      // Reset or closed mid-exchange: the request may have reached the device.
      finish({
        ok: false,
        sent: true,
        error: canonicalError('RESULT_UNKNOWN', `связь с кассой оборвалась: ${code || error.message}`),
      });
    };
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      resolve({
        ok: false,
        sent: false,
        error: canonicalError('REGISTER_UNREACHABLE', `неверный адрес кассы: ${request.url}`),
      });
      return;
    }
    const https = url.protocol === 'https:';
    const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
    const req = (https ? httpsRequest : httpRequest)(
      url,
      {
        method: request.method,
        agent: https ? HTTPS_AGENT : HTTP_AGENT,
        headers: { ...request.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', failed);
        response.on('end', () =>
          finish({
            ok: true,
            answer: {
              status: response.statusCode ?? 0,
              statusText: decodeReasonPhrase(response.statusMessage ?? ''),
              body: Buffer.concat(chunks),
              contentType: response.headers['content-type'] ?? '',
            },
          }),
        );
        // Closed before the whole answer arrived.
        response.on('close', () => {
          if (!response.complete) failed(Object.assign(new Error('answer cut off'), { code: 'ECONNRESET' }));
        });
      },
    );
    req.on('error', failed);
    const timer = setTimeout(() => {
      finish({
        ok: false,
        sent: true,
        error: canonicalError('DEVICE_TIMEOUT', `касса не ответила за ${request.timeoutMs} мс`),
      });
      req.destroy();
    }, request.timeoutMs);
    req.end(body);
  });
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The HTTP reason phrase as the device meant it. node:http hands the status line's bytes over
 * one character per byte (latin1); a device that writes Cyrillic there (the iKKM's "short
 * reason", seed 002) sends UTF-8 bytes. Decoded as UTF-8 only when those bytes are valid UTF-8;
 * anything else is left as received.
 */
export function decodeReasonPhrase(text: string): string {
  let high = false;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    // Not one byte per character: already decoded, leave it.
    if (code > 0xff) return text;
    if (code >= 0x80) high = true;
  }
  if (!high) return text; // ASCII: nothing to decode
  try {
    return UTF8.decode(Buffer.from(text, 'latin1'));
  } catch {
    return text;
  }
}
