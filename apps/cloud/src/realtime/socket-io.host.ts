import type { Server as HttpServer } from 'node:http';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Logger } from 'pino';
import { Server, type Socket } from 'socket.io';
import { LOGGER } from '../core/tokens';
import { CloudEvents, type CloudEventMap } from '../platform/cloud-events';
import { PosAccessService } from '../pos/pos-access';
import { PosKeys } from '../pos/pos-keys';
import { PosService, wsInternalErrorAnswer } from '../pos/pos-service';
import { JwtSigner } from '../security/secret-box';

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
 */
@Injectable()
export class SocketIoHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private io: Server | undefined;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly access: PosAccessService,
    private readonly pos: PosService,
    private readonly keys: PosKeys,
    private readonly events: CloudEvents,
    private readonly jwt: JwtSigner,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const http = this.adapterHost.httpAdapter.getHttpServer() as HttpServer;
    // destroyUpgrade: false — the raw /ws endpoint shares this server's upgrade event.
    this.io = new Server(http, { destroyUpgrade: false, serveClient: false, cors: { origin: true } });
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
        .catch((error: Error) => next(error));
    });
    this.keys.on('revoked', (keyId) => pos.in(`key:${keyId}`).disconnectSockets(true));
    pos.on('connection', (socket) => {
      const { route, actor } = socket.data as Extract<
        Awaited<ReturnType<PosAccessService['resolve']>>,
        { ok: true }
      >;
      socket.onAny((event: string, ...args: unknown[]) => {
        const ack =
          typeof args[args.length - 1] === 'function' ? (args.pop() as (answer: unknown) => void) : undefined;
        const payload = args[0];
        const raw =
          event === 'message'
            ? typeof payload === 'string'
              ? payload
              : JSON.stringify(payload ?? null)
            : JSON.stringify({ event, data: payload ?? {} });
        this.pos
          .handleWsFrame(route, raw, actor)
          .catch((error: Error) => {
            this.logger.error({ err: error, register: route.registerId }, 'socket.io /pos frame failed');
            return wsInternalErrorAnswer(raw);
          })
          .then((answer) => {
            socket.emit(answer.event, answer.data);
            ack?.(answer);
          })
          .catch(() => undefined);
      });
    });
  }

  private mountAdmin(io: Server): void {
    const admin = io.of('/admin');
    admin.use((socket, next) => {
      const raw =
        handshakeValue(socket, 'token') ?? socket.handshake.headers.authorization?.replace(/^Bearer\s+/i, '');
      const claims = raw ? this.jwt.verify(raw) : undefined;
      if (!claims) return next(new Error('unauthorized'));
      socket.data = claims;
      void socket.join(`org:${claims.org}`);
      next();
    });
    const forward = <K extends keyof CloudEventMap>(name: K) =>
      this.events.on(name, ((payload: CloudEventMap[K][0]) => {
        const { organisationId, ...rest } = payload as { organisationId: string };
        admin.to(`org:${organisationId}`).emit(name, rest);
      }) as never);
    forward('register.state');
    forward('agent.state');
    forward('document.changed');
    forward('shift.changed');
  }

  onApplicationShutdown(): void {
    void this.io?.close();
  }
}
