import { canonicalError, cashCoreError, type CanonicalError } from '@kassa-relay/protocol';
import { deviceRequest } from '../http/http-client';
import { SerialQueue } from '../serial-queue';

/**
 * Transport for the cash core HTTP JSON API (seed 003): every method is `POST /<Method>` with a
 * JSON body and the PIN or token in `Authorization`; every answer is
 * `{ response_code, response_data }` except GetDocumentImage, which answers a PNG.
 */

export interface CashCoreClientConfig {
  baseUrl: string;
  accessCode: string;
  timeoutMs: number;
}

export type CashCoreCallResult<T> =
  | { ok: true; data: T }
  | {
      ok: false;
      error: CanonicalError;
      /** The request may have reached the device (timeout, dropped connection, garbled answer). */
      sent: boolean;
      /** The device's `response_code` when it answered one. */
      code?: number;
    };

export interface CallOptions {
  /**
   * A call that may change fiscal state (TradeOperation, MoneyPlacement, ZXReport, SaveOperator,
   * DeleteOperator): once sent, a missing or unreadable answer is RESULT_UNKNOWN, never a failure.
   */
  fiscal?: boolean;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export class CashCoreClient {
  private readonly queue = new SerialQueue();
  private readonly baseUrl: string;

  constructor(private readonly config: CashCoreClientConfig) {
    this.baseUrl = config.baseUrl.replace(/\/+$/, '');
  }

  /** One JSON method call. Calls are sent one at a time, in order. */
  call<T = unknown>(
    method: string,
    body: unknown,
    options: CallOptions = {},
  ): Promise<CashCoreCallResult<T>> {
    return this.queue.run(async () => {
      const exchange = await this.exchange(method, body, options);
      if (!exchange.ok) return exchange;
      const envelope = parseEnvelope(exchange.body);
      if (!envelope) return garbled(method, exchange.status, exchange.body, options);
      if (envelope.response_code !== 0) return deviceRefusal(envelope, options);
      return { ok: true, data: envelope.response_data as T };
    });
  }

  /** GetDocumentImage: a PNG on success, a JSON envelope on refusal. */
  image(body: unknown): Promise<CashCoreCallResult<Buffer>> {
    return this.queue.run(async () => {
      const exchange = await this.exchange('GetDocumentImage', body, {});
      if (!exchange.ok) return exchange;
      if (exchange.contentType.includes('image/png') || exchange.body.subarray(0, 8).equals(PNG_SIGNATURE)) {
        return { ok: true, data: exchange.body };
      }
      const envelope = parseEnvelope(exchange.body);
      if (!envelope) return garbled('GetDocumentImage', exchange.status, exchange.body, {});
      if (envelope.response_code !== 0) return deviceRefusal(envelope);
      return {
        ok: false,
        sent: true,
        error: canonicalError('DEVICE_ERROR', 'касса ответила на GetDocumentImage без изображения'),
      };
    });
  }

  private async exchange(
    method: string,
    body: unknown,
    options: CallOptions,
  ): Promise<
    | { ok: true; status: number; body: Buffer; contentType: string }
    | { ok: false; error: CanonicalError; sent: boolean }
  > {
    const send = () =>
      deviceRequest({
        method: 'POST',
        url: `${this.baseUrl}/${method}`,
        headers: { 'content-type': 'application/json; charset=utf-8', authorization: this.config.accessCode },
        body: JSON.stringify(body ?? {}),
        timeoutMs: this.config.timeoutMs,
      });
    let outcome = await send();
    // A read whose connection broke (typically a pooled keep-alive socket the device had closed)
    // is safe to send once more; a fiscal call never is.
    if (!outcome.ok && outcome.sent && !options.fiscal && outcome.error.code === 'RESULT_UNKNOWN')
      outcome = await send();
    if (outcome.ok) {
      return {
        ok: true,
        status: outcome.answer.status,
        body: outcome.answer.body,
        contentType: outcome.answer.contentType,
      };
    }
    if (!outcome.sent) return { ok: false, sent: false, error: outcome.error };
    if (options.fiscal) {
      // Sent, then silence: the core may have registered the document. The caller reconciles.
      return {
        ok: false,
        sent: true,
        error: canonicalError(
          'RESULT_UNKNOWN',
          `${method}: ${outcome.error.message}; результат на кассе неизвестен, нужна сверка`,
        ),
      };
    }
    // A read that got no answer changed nothing: it may simply be asked again.
    return {
      ok: false,
      sent: true,
      error: canonicalError('DEVICE_TIMEOUT', `${method}: ${outcome.error.message}`),
    };
  }
}

interface Envelope {
  response_code: number;
  response_data: unknown;
}

function parseEnvelope(body: Buffer): Envelope | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const code = (parsed as Record<string, unknown>)['response_code'];
  if (typeof code !== 'number' || !Number.isInteger(code)) return undefined;
  return { response_code: code, response_data: (parsed as Record<string, unknown>)['response_data'] };
}

/**
 * A non-zero `response_code`. To a fiscal call, the codes that do not prove that nothing happened
 * (1, 4, 19, 22, 24, 29, 66, 69: `CASH_CORE_OUTCOME_UNKNOWN_CODES`) are RESULT_UNKNOWN, with the
 * device's code and text kept; to a read, 66/69 are REGISTER_BUSY.
 */
function deviceRefusal(envelope: Envelope, options: CallOptions = {}): CashCoreCallResult<never> {
  const data = envelope.response_data;
  const text =
    typeof data === 'string' ? data : data === undefined || data === null ? '' : JSON.stringify(data);
  return {
    ok: false,
    sent: true,
    code: envelope.response_code,
    error: cashCoreError(envelope.response_code, text, { fiscal: options.fiscal === true }),
  };
}

/** 66 operation_in_progress, 69 kkm_is_busy_too_long: the core is still running a call. */
export const CASH_CORE_BUSY_CODES: ReadonlySet<number> = new Set([66, 69]);

/** Whether an error is the core's "still running a call" answer (to a read: REGISTER_BUSY). */
export const isCashCoreBusy = (error: CanonicalError): boolean =>
  error.device?.kind === 'cash-core' && CASH_CORE_BUSY_CODES.has(error.device.code);

function garbled(
  method: string,
  status: number,
  body: Buffer,
  options: CallOptions,
): CashCoreCallResult<never> {
  const excerpt = body.toString('utf8').slice(0, 200);
  const what = `${method}: ответ кассы не разобран (HTTP ${status}${excerpt ? `: ${excerpt}` : ''})`;
  return {
    ok: false,
    sent: true,
    error: canonicalError(
      options.fiscal ? 'RESULT_UNKNOWN' : 'DEVICE_ERROR',
      options.fiscal ? `${what}; нужна сверка` : what,
    ),
  };
}
