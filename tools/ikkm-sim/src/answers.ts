import { shortReason } from './answer-codes';
import { toJsonText } from './json-text';

/** One HTTP answer of the device, independent of node:http so the device logic stays testable. */
export interface HttpAnswer {
  status: number;
  /**
   * The HTTP status description: check number on success/repeat, short reason on error. For an
   * error it is the Russian reason; the server swaps in the English one when so configured.
   */
  statusText: string;
  contentType: string;
  body: string;
  /** The answer code of an error answer (body), so the server can localise its reason phrase. */
  code?: number;
}

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

/** Seed: "При возникновении ошибок, код HTTP статуса будет 400, а описание … короткую причину". */
export function codeAnswer(code: number): HttpAnswer {
  return { status: 400, statusText: shortReason(code), contentType: TEXT, body: String(code), code };
}

/** A new key (200, description = check number) or the same answer repeated (203). */
export function keyAnswer(newKey: string, checkNumber: number, repeated: boolean): HttpAnswer {
  return { status: repeated ? 203 : 200, statusText: String(checkNumber), contentType: TEXT, body: newKey };
}

/** Seed: "Если iKKM готов к работе, код HTTP статуса будет 200, описание будет содержать номер последнего закрытого чека". */
export function readyAnswer(lastClosedCheque: number): HttpAnswer {
  return { status: 200, statusText: String(lastClosedCheque), contentType: TEXT, body: '0' };
}

/**
 * Done, and the seed provides no answer (`/apizreport`, `/apixreport`: "Получение ответов не
 * предусмотрено", line 355; `/apiprint`, whose answer the seed never states): HTTP 200, empty body.
 */
export function emptyAnswer(): HttpAnswer {
  return { status: 200, statusText: 'OK', contentType: TEXT, body: '' };
}

export function jsonAnswer(value: unknown): HttpAnswer {
  return { status: 200, statusText: 'OK', contentType: JSON_TYPE, body: toJsonText(value) };
}

/** Either the value or the answer that ends the request early. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; answer: HttpAnswer };
export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const fail = <T>(code: number): Outcome<T> => ({ ok: false, answer: codeAnswer(code) });
