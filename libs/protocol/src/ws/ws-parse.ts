import type { z } from 'zod';
import { type CanonicalError, canonicalError } from '../errors/canonical-error';
import { toWsErrorFields } from '../errors/answer-codes';
import { isWsEvent, type WsErrorData, type WsRequest, wsAnswerEvent, wsRequestSchema } from './ws-frames';

export interface WsErrorAnswer {
  event: string;
  data: WsErrorData;
}

export type WsParseResult = { ok: true; request: WsRequest } | { ok: false; answer: WsErrorAnswer };

export function wsErrorAnswer(event: string | undefined, error: CanonicalError): WsErrorAnswer {
  return {
    event: event ? wsAnswerEvent(event) : 'onerror',
    data: { error: true, ...toWsErrorFields(error) },
  };
}

/** Shortest readable account of what failed, for the answer's `text`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : 'frame'}: ${issue.message}`)
    .join('; ');
}

/**
 * Reads one WebSocket text frame. Anything wrong gets seed 000's error answer (`error: true`,
 * `error_code`, `text`) under `on<event>` when the event could be read, `onerror` otherwise.
 */
export function parseWsRequest(raw: string | Buffer): WsParseResult {
  let frame: unknown;
  try {
    frame = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return {
      ok: false,
      answer: wsErrorAnswer(undefined, canonicalError('INVALID_REQUEST', 'Некорректный JSON')),
    };
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    return {
      ok: false,
      answer: wsErrorAnswer(undefined, canonicalError('INVALID_REQUEST', 'Ожидается объект {event, data}')),
    };
  }
  const event = (frame as { event?: unknown }).event;
  if (typeof event !== 'string' || event === '') {
    return {
      ok: false,
      answer: wsErrorAnswer(undefined, canonicalError('INVALID_REQUEST', 'Не указано событие event')),
    };
  }
  if (!isWsEvent(event)) {
    return {
      ok: false,
      answer: wsErrorAnswer(
        event,
        canonicalError('INVALID_REQUEST', `Неизвестное событие: ${event.slice(0, 64)}`),
      ),
    };
  }
  const parsed = wsRequestSchema.safeParse(frame);
  if (!parsed.success) {
    return {
      ok: false,
      answer: wsErrorAnswer(
        event,
        canonicalError('INVALID_REQUEST', `Некорректные данные: ${describeIssues(parsed.error)}`),
      ),
    };
  }
  return { ok: true, request: parsed.data };
}
