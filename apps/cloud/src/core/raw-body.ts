import type { NextFunction, Request, Response } from 'express';

/**
 * Reads the body as text without judging it: `/sale` answers malformed JSON with its own code 2
 * (seed 001), not with an HTTP error. Bodies over the limit become an empty string (→ code 2/3).
 */
export function rawTextBody(limitBytes: number) {
  return (request: Request, _response: Response, next: NextFunction): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => {
      request.body = tooLarge ? '' : Buffer.concat(chunks).toString('utf8');
      next();
    });
    request.on('error', () => {
      request.body = '';
      next();
    });
  };
}

/**
 * JSON for the admin API: malformed JSON is a 400 with a message, never a crash or a 500.
 */
export function jsonBody(limitBytes: number) {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'DELETE') return next();
    rawTextBody(limitBytes)(request, response, () => {
      const text = request.body as string;
      if (!text.trim()) {
        request.body = {};
        return next();
      }
      try {
        request.body = JSON.parse(text);
        next();
      } catch {
        response
          .status(400)
          .json({ statusCode: 400, message: 'request body is not valid JSON', error: 'Bad Request' });
      }
    });
  };
}
