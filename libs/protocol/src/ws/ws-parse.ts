import type { z } from 'zod';
import { type CanonicalError, canonicalError } from '../errors/canonical-error';
import { toWsErrorFields } from '../errors/answer-codes';
import {
  describeUnstorable,
  findUnstorableString,
  MAX_JSON_DEPTH,
  parseJsonGuarded,
} from '../input/json-guard';
import { describeFieldIssues, unknownFieldsOf } from '../input/lenient';
import {
  isWsEvent,
  WS_KNOWN_FIELDS,
  type WsErrorData,
  type WsRequest,
  wsAnswerEvent,
  wsRequestSchema,
} from './ws-frames';

export interface WsErrorAnswer {
  event: string;
  data: WsErrorData;
}

export type WsParseResult =
  | {
      ok: true;
      request: WsRequest;
      /** Fields seed 000 does not define (`id`, `data.wares[].discount`): ignored, reported for logging. */
      unknownFields: string[];
    }
  | { ok: false; answer: WsErrorAnswer };

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

const LEADING_EVENT = /^[\s\uFEFF]*\{\s*"event"\s*:\s*"\s*([a-z_]{1,32})\s*"/;

/**
 * Reads one WebSocket text frame. Anything wrong gets seed 000's error answer (`error: true`,
 * `error_code`, `text`) under `on<event>` when the event could be read, `onerror` otherwise.
 * Nesting deeper than MAX_JSON_DEPTH is refused before parsing (nothing recursive ever walks it),
 * and a NUL or a lone surrogate in any key or string is refused naming its field: such a string
 * cannot be stored in PostgreSQL, so it never reaches a register or the documents table.
 */
export function parseWsRequest(raw: string | Buffer): WsParseResult {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  const guarded = parseJsonGuarded(text, { checkStrings: false });
  if (!guarded.ok) {
    if (guarded.reason === 'too-deep') {
      // Not parsed at all; a frame that starts with its event still gets its answer under on<event>.
      const event = LEADING_EVENT.exec(text)?.[1];
      return {
        ok: false,
        answer: wsErrorAnswer(
          isWsEvent(event) ? event : undefined,
          canonicalError(
            'INVALID_REQUEST',
            `Некорректный JSON: вложенность глубже ${MAX_JSON_DEPTH} уровней`,
          ),
        ),
      };
    }
    return {
      ok: false,
      answer: wsErrorAnswer(undefined, canonicalError('INVALID_REQUEST', 'Некорректный JSON')),
    };
  }
  const frame = guarded.value;
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    return {
      ok: false,
      answer: wsErrorAnswer(undefined, canonicalError('INVALID_REQUEST', 'Ожидается объект {event, data}')),
    };
  }
  const rawEvent = (frame as { event?: unknown }).event;
  // " open_shift " is open_shift: clients pad or build the name with stray whitespace.
  const event = typeof rawEvent === 'string' ? rawEvent.trim() : rawEvent;
  const unstorable = findUnstorableString(frame);
  if (unstorable) {
    const named = unstorable.path !== 'event' && isWsEvent(event) ? event : undefined;
    return {
      ok: false,
      answer: wsErrorAnswer(
        named,
        canonicalError('INVALID_REQUEST', `Недопустимая строка: ${describeUnstorable(unstorable, 'ru')}`),
      ),
    };
  }
  if (typeof event !== 'string' || event === '') {
    return {
      ok: false,
      answer: wsErrorAnswer(undefined, canonicalError('INVALID_REQUEST', 'Не указано событие event')),
    };
  }
  if (!isWsEvent(event)) {
    // A long unknown event name is not echoed back whole as the answer's event.
    return {
      ok: false,
      answer: wsErrorAnswer(
        event.length <= 64 ? event : undefined,
        canonicalError('INVALID_REQUEST', `Неизвестное событие: ${event.slice(0, 64)}`),
      ),
    };
  }
  const parsed = wsRequestSchema.safeParse({ ...frame, event }, { reportInput: true });
  if (!parsed.success) {
    return {
      ok: false,
      answer: wsErrorAnswer(
        event,
        canonicalError(
          'INVALID_REQUEST',
          `Некорректные данные: ${describeFieldIssues(parsed.error, { root: 'frame' })}`,
        ),
      ),
    };
  }
  return { ok: true, request: parsed.data, unknownFields: unknownFieldsOf(frame, WS_KNOWN_FIELDS[event]) };
}
