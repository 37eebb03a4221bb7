import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { FuzzContext } from './types';

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * One HTTP request with exactly these headers and body bytes (node:http, not fetch: fetch adds
 * and normalises headers). Resolves with the answer, or with `error` when the connection failed
 * or no answer came within `timeoutMs` (a server closing on an oversize body is not a failure).
 */
export async function sendHttp(
  options: Parameters<typeof sendOnce>[0],
): Promise<HttpAnswer | { error: string }> {
  const first = await sendOnce(options);
  // A kept-alive socket the server closed while idle: the request never reached it; send again once.
  if ('error' in first && first.reused && /ECONNRESET|EPIPE|socket hang up/.test(first.error))
    return sendOnce({ ...options, fresh: true });
  if ('error' in first) return { error: first.error };
  return first;
}

function sendOnce(options: {
  port: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  timeoutMs?: number;
  /** Send without Content-Length (chunked). */
  chunked?: boolean;
  /** A connection of its own, closed after the answer. */
  fresh?: boolean;
}): Promise<HttpAnswer | { error: string; reused?: boolean }> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (value: HttpAnswer | { error: string; reused?: boolean }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    };
    const headers: Record<string, string> = { ...options.headers };
    if (
      options.body &&
      !options.chunked &&
      !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')
    )
      headers['content-length'] = String(options.body.length);
    let req: ReturnType<typeof httpRequest>;
    try {
      req = httpRequest({
        host: '127.0.0.1',
        port: options.port,
        method: options.method,
        path: options.path,
        headers,
        agent: options.fresh ? false : agent,
      });
    } catch (error) {
      return resolve({ error: `client refused to send: ${(error as Error).message}` });
    }
    const timer = setTimeout(() => {
      req.destroy();
      done({ error: 'timeout' });
    }, options.timeoutMs ?? 30_000);
    req.on('error', (error) =>
      done({
        error: (error as NodeJS.ErrnoException).code ?? error.message,
        reused: req.reusedSocket && !answered,
      }),
    );
    let answered = false;
    req.on('response', (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', (error) => done({ error: error.message }));
      response.on('end', () =>
        done({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      );
    });
    if (options.body) req.write(options.body);
    req.end();
  });
}

export interface RawExchange {
  /** Everything that came back (latin1). */
  text: string;
  /** The server closed the connection (rather than our timeout ending it). */
  closed: boolean;
  /** Every HTTP status line in the answer. */
  statuses: number[];
}

/**
 * Raw bytes on a fresh TCP connection; what came back once it closed, or `idleMs` after the last
 * bytes came (a kept-alive connection after its answer), or `timeoutMs` when nothing came.
 */
export function rawTcp(
  port: number,
  payload: Buffer | Buffer[],
  timeoutMs: number,
  idleMs = 150,
): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let finished = false;
    const finish = (closed: boolean) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearTimeout(idle);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const statuses = [...text.matchAll(/HTTP\/\d(?:\.\d)? (\d{3})/g)].map((m) => Number(m[1]));
      resolve({ text, closed, statuses });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    let idle: NodeJS.Timeout | undefined;
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      clearTimeout(idle);
      idle = setTimeout(() => finish(false), idleMs);
      if (chunks.reduce((n, c) => n + c.length, 0) > 1024 * 1024) finish(false);
    });
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('connect', () => {
      for (const part of Array.isArray(payload) ? payload : [payload]) socket.write(part);
    });
  });
}

/** Keys and tokens in a reproducer become placeholders (they are per run anyway). */
export function redact(text: string, ctx: FuzzContext): string {
  let out = text;
  const pairs: [string, string][] = [
    ...ctx.registers.map((r) => [r.posKey, `<${r.kind} POS key>`] as [string, string]),
    [ctx.ownerPosKey, '<offline-agent register POS key>'],
    [ctx.revokedPosKey, '<revoked POS key>'],
    [ctx.adminToken, '<admin JWT>'],
    ...ctx.forgers.map((f, i) => [f.password, `<forger ${i + 1} MQTT password>`] as [string, string]),
  ];
  for (const [secret, placeholder] of pairs) if (secret) out = out.split(secret).join(placeholder);
  return out;
}

/** A body as a reproducer shows it: the text (escaped) when short, else its start, end and length. */
export function showBody(body: Buffer | undefined, limit = 1_500): string {
  if (!body || body.length === 0) return '(empty body)';
  // Only the ends of a big body are shown (a whole one may not even fit in a string).
  if (body.length > limit) {
    const headBytes = body.subarray(0, 400);
    const tailBytes = body.subarray(-120);
    const isText = (b: Buffer) => Buffer.from(b.toString('utf8'), 'utf8').equals(b);
    const part = (b: Buffer) => (isText(b) ? JSON.stringify(b.toString('utf8')) : `hex ${b.toString('hex')}`);
    return `${body.length} bytes: ${part(headBytes)} … ${part(tailBytes)}`;
  }
  const text = body.toString('utf8');
  const valid = Buffer.from(text, 'utf8').equals(body);
  const shown = (s: string) => JSON.stringify(s);
  if (body.length <= limit) return valid ? shown(text) : `hex ${body.toString('hex')}`;
  const head = valid ? shown(text.slice(0, 400)) : `hex ${body.subarray(0, 200).toString('hex')}`;
  const tail = valid ? shown(text.slice(-120)) : `hex ${body.subarray(-60).toString('hex')}`;
  return `${body.length} bytes: ${head} … ${tail}`;
}

export function headerText(headers: Record<string, string>, ctx: FuzzContext): string {
  return Object.entries(headers)
    .map(([k, raw]) => [k, redact(raw, ctx)] as const)
    .map(([k, v]) => `${k}: ${v.length > 300 ? `${v.slice(0, 300)}…(${v.length} chars)` : v}`)
    .join('\n');
}
