import type { NextFunction, Request, Response } from 'express';
import {
  describeUnstorable,
  findUnstorableString,
  MAX_JSON_DEPTH,
  parseJsonGuarded,
} from '@kassa-relay/protocol';

/** Whether a body was over its limit (set by `rawTextBody`; the body itself is then empty). */
const tooLargeBodies = new WeakSet<Request>();
export const bodyWasTooLarge = (request: Request): boolean => tooLargeBodies.has(request);

/**
 * A body this many times over its limit is not read to its end: the answer goes out at once and
 * the connection is closed behind it. Below it the rest is read and thrown away, so that the
 * client (still sending) receives the answer instead of a reset connection.
 */
const DRAIN_FACTOR = 16;

/**
 * Reads the body as text without judging it: `/sale` answers malformed JSON with its own code 2
 * (seed 001), not with an HTTP error. A body over the limit is not kept: the request is marked
 * (`bodyWasTooLarge`) with an empty body, and its handler answers in its own protocol's words.
 */
export function rawTextBody(limitBytes: number) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      if (size > limitBytes) {
        tooLargeBodies.add(request);
        request.body = '';
      } else request.body = Buffer.concat(chunks).toString('utf8');
      chunks.length = 0;
      next();
    };
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limitBytes * DRAIN_FACTOR) {
      size = declared;
      response.setHeader('Connection', 'close');
      response.once('finish', () => request.socket.destroySoon?.());
      request.resume();
      return finish();
    }
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) chunks.push(chunk);
      else if (size > limitBytes * DRAIN_FACTOR && !done) {
        // Still sending far past the limit: answer now and close the connection behind the answer.
        response.setHeader('Connection', 'close');
        response.once('finish', () => request.socket.destroySoon?.());
        finish();
      }
    });
    request.on('end', finish);
    request.on('error', () => {
      if (done) return;
      done = true;
      request.body = '';
      next();
    });
  };
}

const MIB = 1024 * 1024;
/** `POST /sale` bodies (seed 001): a sale with hundreds of lines is far below this. */
export const SALE_BODY_LIMIT_BYTES = 2 * MIB;
/** Admin API bodies. */
export const ADMIN_BODY_LIMIT_BYTES = MIB;

export const describeLimit = (bytes: number) =>
  bytes % MIB === 0 ? `${bytes / MIB} MiB` : bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;

const badRequest = (response: Response, message: string) =>
  response.status(400).json({ statusCode: 400, message, error: 'Bad Request' });

/** The decoded path segments and query of a request: `%00` in either must not reach PostgreSQL. */
function unstorableInUrl(request: Request): string | undefined {
  const path = request.path;
  for (const segment of path.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return `path: malformed percent-encoding in "${segment.slice(0, 64)}"`;
    }
    const found = findUnstorableString(decoded, 'path');
    if (found) return describeUnstorable(found);
  }
  const found = findUnstorableString(request.query, 'query');
  return found ? describeUnstorable(found) : undefined;
}

/**
 * Everything the admin API takes from a client, judged once before any route sees it:
 * - the path and the query string: a NUL or a lone surrogate is a 400 naming it;
 * - the JSON body: over `limitBytes` a 413, nesting deeper than MAX_JSON_DEPTH (refused before
 *   parsing) or malformed JSON a 400, a NUL or a lone surrogate in any key or string a 400 naming
 *   the field — PostgreSQL cannot store such a string (text 22021, jsonb 22P05), so it must never
 *   get as far as a query, where it was a 500 after part of the work was done.
 * Every refusal is JSON (`{ statusCode, message, error }`), as Nest's own errors are.
 */
export function adminInput(limitBytes: number) {
  const limitText = describeLimit(limitBytes);
  return (request: Request, response: Response, next: NextFunction): void => {
    const inUrl = unstorableInUrl(request);
    if (inUrl) return void badRequest(response, inUrl);
    if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'DELETE') return next();
    rawTextBody(limitBytes)(request, response, () => {
      if (bodyWasTooLarge(request)) {
        response.status(413).json({
          statusCode: 413,
          message: `request body is larger than ${limitText}`,
          error: 'Payload Too Large',
        });
        return;
      }
      const text = request.body as string;
      if (!text.trim()) {
        request.body = {};
        return next();
      }
      const parsed = parseJsonGuarded(text);
      if (parsed.ok) {
        request.body = parsed.value;
        return next();
      }
      badRequest(
        response,
        parsed.reason === 'too-deep'
          ? `request body nests deeper than ${MAX_JSON_DEPTH} levels`
          : parsed.reason === 'invalid-json'
            ? 'request body is not valid JSON'
            : parsed.message,
      );
    });
  };
}
