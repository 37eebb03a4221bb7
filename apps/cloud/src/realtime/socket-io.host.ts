import { drainEach, FrameQueue } from '../pos/frame-queue';
import type { Server as HttpServer } from 'node:http';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { canonicalError, wsErrorAnswer } from '@kassa-relay/protocol';
import { type LiveEventName, liveEvents } from '@kassa-relay/admin-api';
import type { Logger } from 'pino';
import { createAdapter } from '@socket.io/postgres-adapter';
import pg from 'pg';
import { Server, type Socket } from 'socket.io';
import { type ServerOptions, WebSocketServer } from 'ws';
import type { CloudConfig } from '../config/cloud-config';
import { ShutdownState } from '../core/shutdown-state';
import { CLOUD_CONFIG, LOGGER } from '../core/tokens';
import { Database } from '../platform/database';
import { CloudEvents, type CloudEventMap } from '../platform/cloud-events';
import { PosAccessService } from '../pos/pos-access';
import { PosKeys } from '../pos/pos-keys';
import {
  WS_CLOSE_GRACE,
  WS_CLOSE_GRACE_MS,
  WS_MAX_FRAME_BYTES,
  WS_MAX_IN_FLIGHT,
  wsBusyAnswer,
  wsStopDrainMs,
  wsStoppingAnswer,
} from '../pos/pos-ws.server';
import { PosService, wsInternalErrorAnswer } from '../pos/pos-service';
import { AdminSessions } from '../security/admin-sessions';
import { guardedParser, RefusedPayload } from './guarded-parser';

const handshakeValue = (socket: Socket, name: string): string | undefined => {
  const auth = socket.handshake.auth as Record<string, unknown> | undefined;
  const fromAuth = auth?.[name];
  if (typeof fromAuth === 'string') return fromAuth;
  const fromQuery = socket.handshake.query[name];
  return typeof fromQuery === 'string' ? fromQuery : undefined;
};

/**
 * socket.io on the cloud's HTTP server (path /socket.io):
 * - `/pos`: the seed 000 events for clients that prefer socket.io. `emit('open_shift', data, ack?)`
 *   is answered with `emit('onopen_shift', answerData)` and, when given, `ack(answerFrame)`;
 *   `emit('message', rawFrame)` takes a whole seed 000 frame. Key as for /ws (auth.token,
 *   `?token=` or the Authorization header).
 * - `/admin`: live updates for the dashboard (`register.state`, `agent.state`, `document.changed`,
 *   `shift.changed`) of the admin's own organisation; admin JWT in `auth.token`.
 *
 * Hostile input: packets over WS_MAX_FRAME_BYTES are refused by engine.io (`maxHttpBufferSize`),
 * payloads nested too deep by the guarded decoder (`guarded-parser.ts`) before anything recursive
 * sees them; strings PostgreSQL cannot store are refused by the seed 000 frame parser; a key check
 * that fails inside the cloud is a clean `connect_error`; nothing a client sends can throw out of a
 * handler.
 */
@Injectable()
export class SocketIoHost
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private io: Server | undefined;
  /** Set once the HTTP server is closed: live events are no longer forwarded (the adapter's pool closes next). */
  private stopped = false;
  /** Each /pos connection's events not yet answered (drained before the connections close). */
  private readonly posQueues = new Map<Socket, FrameQueue>();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly access: PosAccessService,
    private readonly pos: PosService,
    private readonly keys: PosKeys,
    private readonly events: CloudEvents,
    private readonly sessions: AdminSessions,
    private readonly database: Database,
    /** Stopping: /pos takes no new events (`beforeApplicationShutdown`). */
    private readonly shutdown: ShutdownState,
    @Inject(CLOUD_CONFIG) private readonly config: CloudConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  private adapterPool: pg.Pool | undefined;

  onApplicationBootstrap(): void {
    const http = this.adapterHost.httpAdapter.getHttpServer() as HttpServer;
    // destroyUpgrade: false — the raw /ws endpoint shares this server's upgrade event.
    this.io = new Server(http, {
      destroyUpgrade: false,
      serveClient: false,
      cors: { origin: true },
      maxHttpBufferSize: WS_MAX_FRAME_BYTES,
      parser: guardedParser,
      // A client that does not answer the WebSocket close is cut off after this (ws waits 30 s).
      wsEngine: class extends WebSocketServer {
        constructor(options: ServerOptions) {
          super({ ...options, ...WS_CLOSE_GRACE });
        }
      },
    });
    // Several instances share an external broker: a live event raised on one reaches the dashboards
    // connected to any (socket.io's PostgreSQL adapter, on the shared database; no sticky sessions
    // needed for WebSocket clients — each connection lives on the instance it reached).
    if (this.config.mqtt.mode === 'external') {
      this.adapterPool = new pg.Pool({ connectionString: this.database.url, max: 4 });
      this.adapterPool.on('error', (error) =>
        this.logger.warn({ err: error }, 'socket.io adapter pool error'),
      );
      this.io.adapter(
        createAdapter(this.adapterPool, {
          errorHandler: (error) => this.logger.warn({ err: error }, 'socket.io adapter error'),
        }),
      );
    }
    this.mountPos(this.io);
    this.mountAdmin(this.io);
  }

  private mountPos(io: Server): void {
    const pos = io.of('/pos');
    pos.use((socket, next) => {
      this.access
        .resolve({
          ...(socket.handshake.headers.authorization
            ? { authorization: socket.handshake.headers.authorization }
            : {}),
          token: handshakeValue(socket, 'token') ?? null,
          register: handshakeValue(socket, 'register') ?? null,
        })
        .then((access) => {
          if (!access.ok)
            return next(
              Object.assign(new Error(access.error.message), { data: { code: access.error.code } }),
            );
          socket.data = access;
          void socket.join(`key:${access.principal.keyId}`);
          next();
        })
        .catch((error: unknown) => {
          // The database away: a clean refusal the client can retry, not the internal error's text.
          this.logger.error({ err: error }, 'socket.io /pos key check failed inside the cloud');
          next(
            Object.assign(
              new Error('облако временно не может проверить ключ POS; повторите подключение позже'),
              { data: { code: 'UNAVAILABLE' } },
            ),
          );
        });
    });
    // Every instance hears a revocation (ClusterSync) and closes its own connections of the key.
    this.keys.on('revoked', (keyId) => pos.local.in(`key:${keyId}`).disconnectSockets(true));
    pos.on('connection', (socket) => {
      const { route, actor } = socket.data as Extract<
        Awaited<ReturnType<PosAccessService['resolve']>>,
        { ok: true }
      >;
      // One event at a time per connection: answers leave in request order (FrameQueue).
      const frames = new FrameQueue(WS_MAX_IN_FLIGHT);
      this.posQueues.set(socket, frames);
      socket.on('disconnect', () => this.posQueues.delete(socket));
      socket.onAny((event: unknown, ...args: unknown[]) => {
        try {
          const ack =
            typeof args[args.length - 1] === 'function'
              ? (args.pop() as (answer: unknown) => void)
              : undefined;
          const reply = (answer: { event: string; data: unknown }) => {
            socket.emit(answer.event, answer.data);
            ack?.(answer);
          };
          const payload = args[0];
          if (payload instanceof RefusedPayload)
            return reply(
              wsErrorAnswer(
                typeof event === 'string' && event !== 'message' ? event : undefined,
                canonicalError('INVALID_REQUEST', `Некорректный JSON: ${payload.reason}`),
              ),
            );
          const raw =
            event === 'message'
              ? typeof payload === 'string'
                ? payload
                : JSON.stringify(payload ?? null)
              : JSON.stringify({ event, data: payload ?? {} });
          if (this.shutdown.stopping) return reply(wsStoppingAnswer(raw));
          const queued = frames.push(() =>
            this.pos
              .handleWsFrame(route, raw, actor)
              .catch((error: Error) => {
                this.logger.error({ err: error, register: route.registerId }, 'socket.io /pos frame failed');
                return wsInternalErrorAnswer(raw);
              })
              .then(reply)
              .catch((error: unknown) => this.logger.error({ err: error }, 'socket.io /pos answer failed')),
          );
          if (!queued) reply(wsBusyAnswer(raw));
        } catch (error) {
          this.logger.error({ err: error }, 'socket.io /pos event could not be read');
        }
      });
    });
  }

  private mountAdmin(io: Server): void {
    const admin = io.of('/admin');
    admin.use((socket, next) => {
      const raw =
        handshakeValue(socket, 'token') ?? socket.handshake.headers.authorization?.replace(/^Bearer\s+/i, '');
      // A revoked, outdated or disabled user's token is refused like a forged one (AdminSessions).
      (raw ? this.sessions.authenticate(raw) : Promise.resolve(undefined)).then(
        (claims) => {
          if (!claims) return next(new Error('unauthorized'));
          socket.data = { ...claims, token: raw };
          void socket.join(`org:${claims.org}`);
          void socket.join(`user:${claims.sub}`);
          next();
        },
        () => next(new Error('unauthorized')),
      );
    });
    // A user's sessions were revoked (or the user disabled): their live connections close now.
    this.events.on('admin.user.changed', ({ userId }) => {
      // Every instance hears the change (ClusterSync) and checks its own connections of the user.
      void admin.local
        .in(`user:${userId}`)
        .fetchSockets()
        .then(async (sockets) => {
          for (const socket of sockets) {
            const token = (socket.data as { token?: string }).token;
            if (!token || !(await this.sessions.authenticate(token))) socket.disconnect(true);
          }
        })
        .catch(() => undefined);
    });
    // Each payload goes out through its contract (dates as ISO strings, nothing beyond the contract).
    const forward = <K extends LiveEventName>(name: K) =>
      this.events.on(name, ((payload: CloudEventMap[K][0]) => {
        if (this.stopped) return;
        const { organisationId, ...rest } = payload;
        const shaped = liveEvents[name].safeEncode(rest as never);
        if (shaped.success) admin.to(`org:${organisationId}`).emit(name, shaped.data);
        else
          this.logger.error(
            { event: name, issues: shaped.error.issues },
            'a live event does not fit its contract',
          );
      }) as never);
    for (const name of Object.keys(liveEvents) as LiveEventName[]) forward(name);
  }

  /**
   * Before Nest closes the HTTP server, which waits for every connection to end: socket.io's
   * clients never end theirs (a SIGTERM with a dashboard open hung until the process was killed).
   * New sessions are refused at once and new /pos events answered "busy: the cloud is stopping"
   * (not performed). Each /pos connection is closed as soon as it has been answered what it sent
   * before (at most `wsStopDrainMs`), then every other connection of this instance. A connection
   * closes once what it was sent is written (an answer's ack goes out after the answer;
   * `engine.close()` would drop it), and without a "server disconnect" packet: a socket.io client
   * reconnects after a transport close (to another instance behind a load balancer), not after
   * being sent away. One that does not take its last packets is cut off after WS_CLOSE_GRACE_MS.
   * Not `io.close()` here: it would close the HTTP server too, and Nest would no longer wait for
   * requests in flight. Live events still go out meanwhile, to every instance.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.io) return;
    const engine = this.io.engine;
    engine.opts.allowRequest = (_request, callback) => callback('cloud stopping', false);
    const close = (socket: Socket) => socket.conn.close();
    await drainEach(this.posQueues, close, wsStopDrainMs(this.config));
    for (const namespace of this.io._nsps.values())
      for (const socket of namespace.sockets.values()) close(socket);
    setTimeout(() => engine.close(), WS_CLOSE_GRACE_MS).unref();
  }

  /** The HTTP server is closed by now: this closes the adapters, then their pool. */
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.io?.close().catch(() => undefined);
    await this.adapterPool?.end().catch(() => undefined);
  }
}
