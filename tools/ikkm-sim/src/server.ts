import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Code, type ReasonLanguage, shortReason } from './answer-codes';
import { codeAnswer, type HttpAnswer } from './answers';
import { handleControl } from './control';
import type { IkkmDevice } from './device';
import type { FaultRegistry } from './faults';
import { MAX_BODY_BYTES, parseWebApiRequest, type WebApiRequest } from './request';

/**
 * How a path takes part in the device's one-at-a-time rule (-2 "происходит регистрация или
 * банковская операция — повторите запрос позже"):
 *  - `exclusive`: a registration, report, print or bank launch — it holds the device while it
 *    runs;
 *  - `free`: everything else (/apicheck, getInfo, the dump tables) holds nothing.
 * While the device is held, EVERY web-api request — free ones included — is answered -2: the seed
 * promises no answer to anything during a registration, so the simulator gives none.
 */
type Access = 'exclusive' | 'free';

interface Route {
  access: Access;
  run(request: WebApiRequest): HttpAnswer | Promise<HttpAnswer>;
}

const DUMP_TABLES = new Set(['items', 'catalog', 'taxes', 'cashiers', 'shifts']);

/** The seed's endpoints. Anything else is "-8 ошибка метода". */
export function resolveRoute(device: IkkmDevice, path: string): Route | undefined {
  switch (path) {
    case '/api':
      return { access: 'exclusive', run: (request) => device.register(request) };
    case '/apicheck':
      return { access: 'free', run: (request) => device.check(request) };
    case '/apicheck/getInfo':
      return { access: 'free', run: (request) => device.info(request) };
    case '/apicheck/printLastDocument':
      return { access: 'exclusive', run: (request) => device.printLastDocument(request) };
    case '/apizreport':
      return { access: 'exclusive', run: (request) => device.zReport(request) };
    case '/apixreport':
      return { access: 'exclusive', run: (request) => device.xReport(request) };
    case '/apideposit':
      return { access: 'exclusive', run: (request) => device.cashMovement('deposit', request) };
    case '/apiwithdraw':
      return { access: 'exclusive', run: (request) => device.cashMovement('withdraw', request) };
    case '/apiprint':
      return { access: 'exclusive', run: (request) => device.print(request) };
    case '/apibank':
      return { access: 'exclusive', run: (request) => device.bank(request) };
  }
  const table = /^\/dump\/table\/([^/]+)$/.exec(path)?.[1];
  if (table !== undefined && DUMP_TABLES.has(table))
    return { access: 'free', run: (request) => device.dumpTable(table, request) };
  const shiftReport = /^\/dump\/table\/shifts\/([^/]+)\/(cheques|sales|report)$/.exec(path);
  if (shiftReport) {
    const [, shift = '', report = 'report'] = shiftReport;
    return {
      access: 'free',
      run: (request) =>
        device.dumpShift(decodeSegment(shift), report as 'cheques' | 'sales' | 'report', request),
    };
  }
  const transaction = /^\/dump\/transaction\/([^/]+)$/.exec(path)?.[1];
  if (transaction !== undefined)
    return { access: 'free', run: (request) => device.transaction(decodeSegment(transaction), request) };
  return undefined;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface ServerOptions {
  /** Language of the error reason phrases: the seed's Russian (default) or English. */
  reasonLanguage?: ReasonLanguage;
}

export function createIkkmServer(
  device: IkkmDevice,
  faults: FaultRegistry,
  options: ServerOptions = {},
): Server {
  const language = options.reasonLanguage ?? 'ru';
  const server = createServer((req, res) => {
    const send = (target: ServerResponse, answer: HttpAnswer) => sendAnswer(target, answer, language);
    handle(device, faults, req, res, send).catch((error: unknown) => {
      // Bad input must never take the device down: whatever slipped through is "-99 ошибка iKKM".
      console.error(`ikkm-sim: ${req.method} ${req.url}: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent && !res.destroyed) send(res, codeAnswer(Code.DeviceError));
    });
  });
  return server;
}

type Send = (res: ServerResponse, answer: HttpAnswer) => void;

async function handle(
  device: IkkmDevice,
  faults: FaultRegistry,
  req: IncomingMessage,
  res: ServerResponse,
  send: Send,
): Promise<void> {
  const method = req.method ?? 'GET';
  const rawUrl = req.url ?? '/';
  const rawPath = rawUrl.split('?')[0] ?? '/';

  if (rawPath === '/_sim' || rawPath.startsWith('/_sim/')) {
    const body = await readBody(req);
    if (body === 'aborted') return;
    if (body === 'too-large') return sendJson(res, 413, { error: 'body too large' });
    const control = await handleControl({ device, faults }, method, rawPath, body);
    return sendJson(res, control.status, control.body);
  }

  const fault = faults.take(rawPath);
  if (fault?.kind === 'drop') return drop(req);

  const body = await readBody(req);
  if (body === 'aborted') return;
  if (body === 'too-large') {
    res.setHeader('connection', 'close');
    return send(res, codeAnswer(Code.RequestError));
  }
  if (fault?.kind === 'error') return send(res, codeAnswer(fault.code));
  // Any request while a registration or printing request runs: -2, before anything else.
  if (device.isBusy()) return send(res, codeAnswer(Code.Busy));

  const parsed = parseWebApiRequest({ method, url: rawUrl, contentType: req.headers['content-type'], body });
  if (!parsed.ok) return send(res, parsed.answer);
  const request = parsed.value;
  const route = method === 'GET' || method === 'POST' ? resolveRoute(device, request.path) : undefined;
  if (!route) return send(res, codeAnswer(Code.MethodError));
  const dropAfter = fault?.kind === 'commit-then-drop';
  const delayMs = fault?.kind === 'delay' ? fault.delayMs : 0;

  if (route.access === 'exclusive') {
    if (!device.tryLock()) return send(res, codeAnswer(Code.Busy));
    try {
      // The delay happens while the device is held: a slow registration, during which every
      // other request sees -2, as on the real device.
      // The client may give up meanwhile: the request still runs and commits, as on a device
      // that does not notice a closed connection until it tries to answer.
      if (delayMs > 0) await sleep(delayMs);
      await runAndAnswer(route, request, dropAfter, req, res, send);
    } finally {
      device.unlock();
    }
    return;
  }
  if (delayMs > 0) {
    await sleep(delayMs);
    // A slow read that is overtaken by a registration is answered as any request then: -2.
    if (device.isBusy()) return send(res, codeAnswer(Code.Busy));
  }
  await runAndAnswer(route, request, dropAfter, req, res, send);
}

async function runAndAnswer(
  route: Route,
  request: WebApiRequest,
  dropAfter: boolean,
  req: IncomingMessage,
  res: ServerResponse,
  send: Send,
): Promise<void> {
  const answer = await route.run(request);
  // commit-then-drop: the operation is done and saved (run awaited the state store); the client
  // never hears about it.
  if (dropAfter) return drop(req);
  send(res, answer);
}

function drop(req: IncomingMessage): void {
  req.socket.destroy();
}

/** The whole body; 'too-large' past MAX_BODY_BYTES (read to the end so the answer can be sent); 'aborted' if the client went away. */
async function readBody(req: IncomingMessage): Promise<Buffer | 'too-large' | 'aborted'> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size <= MAX_BODY_BYTES) chunks.push(buffer);
    }
  } catch {
    return 'aborted';
  }
  return size > MAX_BODY_BYTES ? 'too-large' : Buffer.concat(chunks);
}

/**
 * Writes one device answer. The reason phrase (seed: "HTTP status description") is sent as UTF-8
 * bytes; node:http writes the status line as latin1, so the text is handed over as the latin1
 * characters of its UTF-8 bytes (an ASCII text is unchanged).
 */
function sendAnswer(res: ServerResponse, answer: HttpAnswer, language: ReasonLanguage): void {
  if (res.destroyed) return;
  const body = Buffer.from(answer.body, 'utf8');
  const reason = answer.code !== undefined ? shortReason(answer.code, language) : answer.statusText;
  res.writeHead(answer.status, Buffer.from(reason, 'utf8').toString('latin1'), {
    'content-type': answer.contentType,
    'content-length': body.length,
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
  res.end(body);
}
