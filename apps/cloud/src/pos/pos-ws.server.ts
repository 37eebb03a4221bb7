import { drainEach, FrameQueue } from './frame-queue';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { canonicalError, parseWsRequest, wsErrorAnswer, type WsErrorAnswer } from '@kassa-relay/protocol';
import type { Logger } from 'pino';
import { type ServerOptions, WebSocket, WebSocketServer } from 'ws';
import type { CloudConfig } from '../config/cloud-config';
import { ShutdownState } from '../core/shutdown-state';
import { CLOUD_CONFIG, LOGGER } from '../core/tokens';
import { PosAccessService } from './pos-access';
import { PosKeys } from './pos-keys';
import { PosService, wsInternalErrorAnswer } from './pos-service';
import { UnknownFieldsLog } from './unknown-fields-log';

/** Largest /ws frame: far above any seed 000 frame; a bigger one closes the connection (1009). */
export const WS_MAX_FRAME_BYTES = 1024 * 1024;
/**
 * Frames one connection may have queued (handled one at a time, each may wait for its register):
 * beyond that a frame is answered at once with the seed 000 "register busy" error instead of
 * queueing without bound.
 */
export const WS_MAX_IN_FLIGHT = 32;
/** Where socket.io (engine.io) takes its upgrades: its own check is exactly this prefix. */
const SOCKET_IO_PREFIX = '/socket.io/';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  409: 'Conflict',
  503: 'Service Unavailable',
};

/** Answers an upgrade request with a plain HTTP error (JSON `{ error: true, text }`) and closes it. */
export function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  try {
    if (!socket.writable) return void socket.destroy();
    const body = JSON.stringify({ error: true, text });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    // A peer that never reads must not keep the socket.
    setTimeout(() => socket.destroy(), 5_000).unref();
  } catch {
    socket.destroy();
  }
}

/**
 * The request target as a URL, or undefined when it is not a plain origin-form path (`//x`,
 * `http://…`, junk) or when the URL parser would read its path as another one: `/\\host/ws` is
 * `//host/ws` to it (path `/ws`), `/x/../ws` is `/ws`. A proxy in front routes by the raw path, so
 * only the raw `/ws` is ours (found by the long fuzz run: such an upgrade with a POS key was taken).
 */
function requestPath(target: string): URL | undefined {
  if (!target.startsWith('/') || target.startsWith('//')) return undefined;
  try {
    const url = new URL(target, 'http://localhost');
    return url.pathname === target.split(/[?#]/, 1)[0] ? url : undefined;
  } catch {
    return undefined;
  }
}

const UNAVAILABLE_TEXT = 'облако временно не может проверить ключ POS; повторите подключение позже';
const STOPPING_TEXT = 'облако останавливается: подключитесь снова и повторите запрос';
/** How long a client may take to answer "going away" before its connection is cut. */
export const WS_CLOSE_GRACE_MS = 2_000;
/** ws's `closeTimeout` (default 30 s) as WS_CLOSE_GRACE_MS; ws 8.20 takes it, @types/ws 8.18 does not know it yet. */
export const WS_CLOSE_GRACE = { closeTimeout: WS_CLOSE_GRACE_MS } as ServerOptions;
/**
 * How long a stopping cloud waits for the frames its POS connections already took to be answered
 * before it closes them: as long as one frame may wait (KASSA_POS_WAIT_MS for its register to
 * start, then KASSA_POS_RESULT_WAIT_MS for the result), and a little more. A frame cut off unanswered
 * could still print, and seed 000 frames carry no key a repeat could be recognised by.
 */
export const wsStopDrainMs = (config: Pick<CloudConfig, 'posWaitMs' | 'posResultWaitMs'>): number =>
  config.posWaitMs + config.posResultWaitMs + 5_000;
const BUSY_TEXT = `слишком много одновременных запросов в одном соединении (больше ${WS_MAX_IN_FLIGHT}): дождитесь ответов`;

/** The seed 000 answer for a frame over the per-connection in-flight limit. */
export function wsBusyAnswer(raw: string | Buffer, text = BUSY_TEXT): WsErrorAnswer {
  const internal = wsInternalErrorAnswer(raw);
  const event = internal.event === 'onerror' ? undefined : internal.event.replace(/^on/, '');
  return wsErrorAnswer(event, canonicalError('REGISTER_BUSY', text));
}

/** A frame that reaches a stopping cloud is not taken: busy (not performed), ask again after reconnecting. */
export const wsStoppingAnswer = (raw: string | Buffer): WsErrorAnswer => wsBusyAnswer(raw, STOPPING_TEXT);

/**
 * `ws://<host>:<port>/ws`: seed 000 frames as raw JSON text. The key (Authorization header or
 * `?token=`) is checked at the upgrade and binds the connection to its register; a bad frame gets
 * an error answer and the connection stays usable; a revoked key's connections are closed at once.
 *
 * This listener sees every upgrade on the cloud's HTTP server: /socket.io/ is left to engine.io,
 * /ws is ours, anything else (including targets `new URL` cannot read, such as `//`) is answered
 * 400/404 and closed — nothing here may throw, and no upgrade is left hanging. A failure while
 * checking the key (the database away) is a 503 with a JSON text, never an unhandled rejection.
 */
@Injectable()
export class PosWebSocketServer
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: WS_MAX_FRAME_BYTES,
    // A client that does not answer "going away" is cut off after WS_CLOSE_GRACE_MS.
    ...WS_CLOSE_GRACE,
  });
  /** Each connection's frames not yet answered (drained before the connections close). */
  private readonly queues = new Map<WebSocket, FrameQueue>();
  private readonly byKey = new Map<string, Set<WebSocket>>();
  private readonly unknownFields: UnknownFieldsLog;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly access: PosAccessService,
    private readonly pos: PosService,
    private readonly keys: PosKeys,
    /** Stopping: no new connection or frame is taken (`beforeApplicationShutdown`). */
    private readonly shutdown: ShutdownState,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CLOUD_CONFIG) private readonly config: CloudConfig,
  ) {
    this.unknownFields = new UnknownFieldsLog(logger);
  }

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      try {
        this.onUpgrade(request, socket, head);
      } catch (error) {
        this.logger.warn({ err: error, url: request.url?.slice(0, 200) }, 'upgrade refused');
        refuseUpgrade(socket, 400, 'некорректный запрос');
      }
    });
    this.wss.on('error', (error) => this.logger.warn({ err: error }, 'ws server error'));
    this.keys.on('revoked', (keyId) => {
      for (const socket of this.byKey.get(keyId) ?? []) socket.close(4001, 'POS key revoked');
    });
  }

  private onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const target = request.url ?? '/';
    if (target.startsWith(SOCKET_IO_PREFIX)) return; // engine.io answers its own upgrades
    // Errors on the raw socket (a peer resetting) must not become an unhandled 'error' event.
    socket.on('error', () => undefined);
    if (this.shutdown.stopping) return refuseUpgrade(socket, 503, STOPPING_TEXT);
    const url = requestPath(target);
    if (!url) return refuseUpgrade(socket, 400, 'некорректный адрес запроса');
    if (url.pathname !== '/ws') return refuseUpgrade(socket, 404, 'здесь нет WebSocket: подключайтесь к /ws');
    this.upgrade(request, socket, head, url).catch((error: unknown) => {
      this.logger.error({ err: error }, '/ws upgrade failed inside the cloud');
      refuseUpgrade(socket, 503, UNAVAILABLE_TEXT);
    });
  }

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
    const access = await this.access.resolve({
      ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
      token: url.searchParams.get('token'),
      register: url.searchParams.get('register'),
    });
    if (!access.ok) {
      return refuseUpgrade(socket, access.error.code === 'UNAUTHORIZED' ? 401 : 409, access.error.message);
    }
    if (!socket.readable || !socket.writable) return void socket.destroy();
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      // The key check outlasted the start of a stop: the connection is closed at once.
      if (this.shutdown.stopping) return ws.close(1001, 'cloud stopping');
      const { principal, route, actor } = access;
      const sockets = this.byKey.get(principal.keyId) ?? new Set<WebSocket>();
      sockets.add(ws);
      this.byKey.set(principal.keyId, sockets);
      ws.on('close', () => {
        sockets.delete(ws);
        if (sockets.size === 0) this.byKey.delete(principal.keyId);
      });
      ws.on('error', () => undefined);
      const frames = new FrameQueue(WS_MAX_IN_FLIGHT);
      this.queues.set(ws, frames);
      ws.on('close', () => this.queues.delete(ws));
      const send = (answer: unknown) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(answer));
      };
      ws.on('message', (data, isBinary) => {
        try {
          const raw = isBinary
            ? Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data as ArrayBuffer)])
            : data.toString();
          this.noteUnknownFields(principal.keyId, route.registerId, raw);
          if (this.shutdown.stopping) return send(wsStoppingAnswer(raw));
          const queued = frames.push(() =>
            this.pos
              .handleWsFrame(route, raw, actor)
              .catch((error: Error) => {
                this.logger.error({ err: error, register: route.registerId }, 'ws frame failed');
                return wsInternalErrorAnswer(raw);
              })
              .then(send)
              .catch((error: unknown) => this.logger.error({ err: error }, 'ws answer failed')),
          );
          if (!queued) send(wsBusyAnswer(raw));
        } catch (error) {
          this.logger.error({ err: error }, 'ws frame could not be read');
        }
      });
    });
  }

  /** Fields seed 000 does not define are ignored; logged once per POS key and field set. */
  private noteUnknownFields(keyId: string, registerId: string, raw: string | Buffer): void {
    const parsed = parseWsRequest(raw);
    if (parsed.ok && parsed.unknownFields.length > 0)
      this.unknownFields.note(keyId, `ws ${parsed.request.event}`, parsed.unknownFields, {
        register: registerId,
      });
  }

  /**
   * Before Nest closes the HTTP server, which waits for every connection to end: a WebSocket client
   * never ends its own, and a SIGTERM with one connected hung until the process was killed. New
   * connections are refused (503) and new frames answered "busy: the cloud is stopping" (not
   * performed); each client is told "going away" (1001) as soon as it has been answered what it
   * sent before (at most `wsStopDrainMs`), and reconnects — to another instance behind a load
   * balancer.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const goAway = (client: WebSocket) => client.close(1001, 'cloud stopping');
    await drainEach(this.queues, goAway, wsStopDrainMs(this.config));
    for (const client of this.wss.clients) goAway(client);
  }

  onApplicationShutdown(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }
}
