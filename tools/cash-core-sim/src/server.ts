import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type ControlHost, handleControl } from './control';
import { FaultList } from './faults';
import type { MethodContext, MethodResult } from './method-context';
import { METHODS } from './methods';
import { authenticate } from './operators';
import {
  type BusyBehaviour,
  DEFAULT_BUSY,
  type Readings,
  STRICT_READINGS,
  applyBusy,
  applyReadings,
} from './readings';
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
  /**
   * Shapes the seed leaves open (README, "Where the seed is silent"); each field defaults to the
   * least convenient reading (`STRICT_READINGS`). `"convenient"` picks the simulator's old ones.
   */
  readings?: Partial<Readings> | 'strict' | 'convenient';
  /** 66/69 while a call runs (README): `tooLongAfterMs` (10 000), `ping` ("answers"). */
  busy?: Partial<BusyBehaviour>;
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

/** A call that is still running on the core (a `delay` fault): every other call meanwhile is refused. */
interface InFlight {
  method: string;
  /** Real time (ms epoch) the call started. */
  since: number;
  socket: Socket;
  /** Abandons the call: it never commits (restart, reset, close). */
  abandon(): void;
}

/**
 * One simulated cash core: the seed's HTTP JSON API at `/<Method>`, and the control API at `/_sim`.
 * Requests are handled one at a time once their body is in (the handlers are synchronous), as the
 * real core serialises operations on a register. A call held up by a `delay` fault is still running:
 * it commits when the delay is over, whether its client is still waiting or not, and until then
 * every other call is answered 66 `operation_in_progress` (69 `kkm_is_busy_too_long` once it has
 * run `busy.tooLongAfterMs`).
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
  /** The call holding the core (every other call meanwhile is answered busy). */
  private inFlight: InFlight | null = null;
  /** Every delayed call not yet handled, holding the core or not. */
  private readonly pending = new Set<InFlight>();
  readings: Readings;
  busy: BusyBehaviour;
  private readonly startReadings: Readings;
  private readonly startBusy: BusyBehaviour;

  constructor(private readonly options: CashCoreSimulatorOptions) {
    this.store = new StateStore(options.stateDir);
    this.baseNow = options.now ?? Date.now;
    this.utcOffsetMinutes = options.utcOffsetMinutes ?? KAZAKHSTAN_UTC_OFFSET_MINUTES;
    this.adminPin = options.adminPin ?? DEFAULT_ADMIN_PIN;
    this.startReadings = applyReadings({ ...STRICT_READINGS }, options.readings ?? {});
    this.startBusy = applyBusy({ ...DEFAULT_BUSY }, options.busy ?? {});
    this.readings = { ...this.startReadings };
    this.busy = { ...this.startBusy };
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

  /** Initial state, empty journal, no faults, the start options' readings; a running call is abandoned. */
  reset(): void {
    this.abandonInFlight();
    this.state = createInitialState({ adminPin: this.adminPin, adminToken: this.adminToken });
    this.faults.clear();
    this.readings = { ...this.startReadings };
    this.busy = { ...this.startBusy };
    this.persist();
  }

  /**
   * The core process restarts: a call still running is abandoned without committing, every open
   * API connection is closed, and the register state is read back from disk. Faults and readings
   * stay (they are the test's, not the core's). Answers how many running calls were abandoned.
   */
  restart(): number {
    const abandoned = this.abandonInFlight();
    this.server?.closeIdleConnections();
    const loaded = this.store.load();
    if (loaded) this.state = loaded;
    return abandoned;
  }

  /** The call still running, if any (GET /_sim/state). */
  running(): { method: string; sinceMs: number } | null {
    return this.inFlight ? { method: this.inFlight.method, sinceMs: this.inFlight.since } : null;
  }

  /** How many delayed calls are not handled yet (holding the core or in transit). */
  pendingCalls(): number {
    return this.pending.size;
  }

  /** Abandons every delayed call not yet handled (they never commit); how many there were. */
  private abandonInFlight(): number {
    const calls = [...this.pending];
    this.pending.clear();
    this.inFlight = null;
    for (const call of calls) {
      call.abandon();
      call.socket.destroy();
    }
    return calls.length;
  }

  /** 66 while the running call is young, 69 once it has run `busy.tooLongAfterMs`. */
  private busyAnswer(call: InFlight): Envelope {
    const tooLong = this.realNow() - call.since >= this.busy.tooLongAfterMs;
    const name = tooLong ? 'kkm_is_busy_too_long' : 'operation_in_progress';
    return {
      response_code: tooLong ? 69 : 66,
      response_data: `${name}: ${call.method} is still running`,
    };
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
        readings: this.readings,
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
    const isPing = url.pathname === '/Ping';
    // Another call is still running: refused before anything else, faults included.
    if (this.inFlight && !(isPing && this.busy.ping === 'answers')) {
      sendJson(res, 200, this.busyAnswer(this.inFlight));
      return;
    }
    const fault = this.faults.take(url.pathname);
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'delay') {
      // Ping only tells that the core is up; a call held "in transit" (holdsCore false) has not
      // reached the core yet. Any other delayed call holds the core until it is done.
      const completed = await this.runDelayed(
        url.pathname.replace(/^\//, ''),
        !isPing && fault.holdsCore,
        req.socket,
        fault.delayMs,
      );
      if (!completed || this.closed) {
        req.socket.destroy();
        return;
      }
      // A call that was in transit reaches a core busy with another one: refused like any other.
      if (this.inFlight && !isPing) {
        sendJson(res, 200, this.busyAnswer(this.inFlight));
        return;
      }
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
    if (fault?.kind === 'garble') {
      // Committed and on disk; the answer is cut off after its first bytes.
      const text = JSON.stringify(Buffer.isBuffer(outcome.result) ? { response_code: 0 } : outcome.result);
      const cut = text.slice(0, Math.max(1, Math.floor(text.length / 3)));
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(cut),
      });
      res.end(cut);
      return;
    }
    if (Buffer.isBuffer(outcome.result)) {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': outcome.result.length });
      res.end(outcome.result);
      return;
    }
    sendJson(res, outcome.status, outcome.result, outcome.allow ? { allow: outcome.allow } : {});
  }

  /**
   * Waits out a `delay` fault. With `holdsCore` the call holds the core meanwhile (every other call
   * is answered busy); either way it is still handled when the wait is over, even if the client gave
   * up. False when the call was abandoned (restart, reset, close): it never commits.
   */
  private runDelayed(method: string, holdsCore: boolean, socket: Socket, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.pending.delete(call);
        if (this.inFlight === call) this.inFlight = null;
        resolve(true);
      }, ms);
      this.timers.add(timer);
      const call: InFlight = {
        method,
        since: this.realNow(),
        socket,
        abandon: () => {
          clearTimeout(timer);
          this.timers.delete(timer);
          resolve(false);
        },
      };
      this.pending.add(call);
      if (holdsCore) this.inFlight = call;
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
    this.abandonInFlight();
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
