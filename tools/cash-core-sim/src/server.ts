import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ControlHost, handleControl } from './control';
import { FaultList } from './faults';
import type { MethodContext, MethodResult } from './method-context';
import { METHODS } from './methods';
import { authenticate } from './operators';
import { Fields, type JsonObject, isJsonObject } from './request-fields';
import { KAZAKHSTAN_UTC_OFFSET_MINUTES } from './register-time';
import { type SimState, createInitialState, newAccessToken } from './register-state';
import { CashCoreError, responseCodeName } from './response-codes';
import { StateStore } from './state-store';

export interface CashCoreSimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Where the register keeps its state (created if missing); the state survives restarts. */
  stateDir: string;
  /** PIN of the administrator (operator 1). Default "0000"; when given, also applied to an existing state. */
  adminPin?: string;
  /** Token of the administrator (the seed's "токен авторизации"). Default: random, persisted; see GET /_sim/state. */
  adminToken?: string;
  /** Real time source; the register clock is `now() + offset` (POST /_sim/clock). Default Date.now. */
  now?: () => number;
  /** The register's local time zone for dateTime fields. Default +300 (Kazakhstan, UTC+05:00). */
  utcOffsetMinutes?: number;
}

export interface RunningCashCoreSimulator {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_ADMIN_PIN = '0000';

interface Envelope {
  response_code: number;
  response_data: unknown;
}

const errorEnvelope = (error: CashCoreError): Envelope => ({
  response_code: error.code,
  response_data: error.message,
});

/** GET parameters arrive as text; numbers and booleans are read back the way a JSON body would carry them. */
function queryToObject(search: URLSearchParams): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of search) {
    if (/^-?\d+(\.\d+)?$/.test(value)) out[key] = Number(value);
    else if (value === 'true' || value === 'false') out[key] = value === 'true';
    else out[key] = value;
  }
  return out;
}

/**
 * One simulated cash core: the seed's HTTP JSON API at `/<Method>`, and the control API at `/_sim`.
 * Requests are handled one at a time once their body is in (the handlers are synchronous), as the
 * real core serialises operations on a register.
 */
export class CashCoreSimulator implements ControlHost {
  state: SimState;
  readonly faults = new FaultList();
  private readonly store: StateStore;
  private readonly adminPin: string;
  private readonly adminToken: string;
  private readonly utcOffsetMinutes: number;
  private readonly baseNow: () => number;
  private server: Server | null = null;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: CashCoreSimulatorOptions) {
    this.store = new StateStore(options.stateDir);
    this.baseNow = options.now ?? Date.now;
    this.utcOffsetMinutes = options.utcOffsetMinutes ?? KAZAKHSTAN_UTC_OFFSET_MINUTES;
    this.adminPin = options.adminPin ?? DEFAULT_ADMIN_PIN;
    const loaded = this.store.load();
    const admin = loaded?.operators.find((o) => o.id === 1);
    this.adminToken = options.adminToken ?? admin?.accessToken ?? newAccessToken();
    if (loaded) {
      this.state = loaded;
      // An explicit --admin-pin / --admin-token wins over what an old state directory remembers.
      if (
        admin &&
        options.adminPin !== undefined &&
        !loaded.operators.some((o) => o.id !== 1 && o.accessPin === options.adminPin)
      ) {
        admin.accessPin = options.adminPin;
      }
      if (admin && options.adminToken !== undefined) admin.accessToken = options.adminToken;
    } else {
      this.state = createInitialState({ adminPin: this.adminPin, adminToken: this.adminToken });
    }
    this.persist();
  }

  realNow(): number {
    return this.baseNow();
  }

  now(): number {
    return this.baseNow() + this.state.clockOffsetMs;
  }

  persist(): void {
    this.store.save(this.state);
  }

  reset(): void {
    this.state = createInitialState({ adminPin: this.adminPin, adminToken: this.adminToken });
    this.faults.clear();
    this.persist();
  }

  /** Runs one API call against the state; persists before returning when it changed anything. */
  execute(
    httpMethod: string,
    pathname: string,
    authorization: string | undefined,
    rawBody: string,
    query: URLSearchParams,
  ): { status: number; allow?: string; result: Envelope | Buffer } {
    const name = pathname.replace(/^\//, '');
    const method = METHODS.get(name);
    if (!method)
      return { status: 200, result: { response_code: 3, response_data: `method_not_found: ${name}` } };
    const allowed = method.httpMethods === 'GET/POST' ? ['GET', 'POST'] : ['POST'];
    if (!allowed.includes(httpMethod)) {
      return {
        status: 405,
        allow: allowed.join(', '),
        result: {
          response_code: 3,
          response_data: `method_not_found: ${name} accepts ${allowed.join('/')} only`,
        },
      };
    }
    const snapshot = method.mutates ? structuredClone(this.state) : null;
    try {
      const operator = method.auth ? authenticate(this.state, authorization) : null;
      let body: JsonObject;
      if (httpMethod === 'GET') {
        body = queryToObject(query);
      } else if (rawBody.trim() === '') {
        body = {};
      } else {
        let parsed: unknown;
        try {
          parsed = JSON.parse(rawBody);
        } catch {
          throw new CashCoreError('source_object_deserialization_error', 'the body is not valid JSON');
        }
        if (!isJsonObject(parsed))
          throw new CashCoreError('source_object_deserialization_error', 'the body must be a JSON object');
        body = parsed;
      }
      const ctx: MethodContext = {
        state: this.state,
        now: this.now(),
        operator,
        fields: new Fields(body),
        utcOffsetMinutes: this.utcOffsetMinutes,
      };
      const result: MethodResult = method.handle(ctx);
      if (method.mutates) this.persist();
      return {
        status: 200,
        result: result.kind === 'png' ? result.png : { response_code: 0, response_data: result.data },
      };
    } catch (error) {
      if (snapshot) this.state = snapshot;
      if (error instanceof CashCoreError) return { status: 200, result: errorEnvelope(error) };
      const message = error instanceof Error ? error.message : String(error);
      return {
        status: 200,
        result: { response_code: 4, response_data: `method_execution_exception: ${message}` },
      };
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const { body, tooLarge } = await readBody(req);
    if (url.pathname === '/_sim' || url.pathname.startsWith('/_sim/')) {
      const answer = handleControl(this, req.method ?? 'GET', url.pathname, body);
      sendJson(res, answer.status, answer.body);
      return;
    }
    const fault = this.faults.take(url.pathname);
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'delay') {
      await this.sleep(fault.delayMs);
      if (this.closed) return;
    }
    if (fault?.kind === 'error') {
      sendJson(res, 200, { response_code: fault.code, response_data: responseCodeName(fault.code) });
      return;
    }
    if (tooLarge) {
      sendJson(res, 200, {
        response_code: 2,
        response_data: 'invalid_fields: the body is larger than 1 MiB',
      });
      return;
    }
    const outcome = this.execute(
      req.method ?? 'GET',
      url.pathname,
      req.headers.authorization,
      body,
      url.searchParams,
    );
    if (fault?.kind === 'commit-then-drop') {
      // The operation is committed and on disk; the client never hears about it.
      req.socket.destroy();
      return;
    }
    if (Buffer.isBuffer(outcome.result)) {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': outcome.result.length });
      res.end(outcome.result);
      return;
    }
    sendJson(res, outcome.status, outcome.result, outcome.allow ? { allow: outcome.allow } : {});
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  listen(): Promise<RunningCashCoreSimulator> {
    const host = this.options.host ?? '127.0.0.1';
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        // Never let one request take the process down.
        if (!res.headersSent) {
          sendJson(res, 200, {
            response_code: 4,
            response_data: `method_execution_exception: ${String(error)}`,
          });
        } else {
          res.destroy();
        }
      });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, host, () => {
        server.off('error', reject);
        const { port } = server.address() as AddressInfo;
        const urlHost = host.includes(':') ? `[${host}]` : host;
        resolve({ url: `http://${urlHost}:${port}`, port, close: () => this.close() });
      });
    });
  }

  close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const server = this.server;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

function readBody(req: IncomingMessage): Promise<{ body: string; tooLarge: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve({ body: Buffer.concat(chunks).toString('utf8'), tooLarge }));
    req.on('error', () => resolve({ body: '', tooLarge: true }));
  });
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export async function startCashCoreSimulator(
  options: CashCoreSimulatorOptions,
): Promise<RunningCashCoreSimulator> {
  const simulator = new CashCoreSimulator(options);
  return simulator.listen();
}
