import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import { LOGGER } from '../core/tokens';
import { PosAccessService } from './pos-access';
import { PosKeys } from './pos-keys';
import { PosService, wsInternalErrorAnswer } from './pos-service';

/**
 * `ws://<host>:<port>/ws`: seed 000 frames as raw JSON text. The key (Authorization header or
 * `?token=`) is checked at the upgrade and binds the connection to its register; a bad frame gets
 * an error answer and the connection stays usable; a revoked key's connections are closed at once.
 */
@Injectable()
export class PosWebSocketServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  private readonly byKey = new Map<string, Set<WebSocket>>();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly access: PosAccessService,
    private readonly pos: PosService,
    private readonly keys: PosKeys,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (url.pathname !== '/ws') return; // socket.io and others handle their own paths
      void this.upgrade(request, socket, head, url);
    });
    this.keys.on('revoked', (keyId) => {
      for (const socket of this.byKey.get(keyId) ?? []) socket.close(4001, 'POS key revoked');
    });
  }

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
    const access = await this.access.resolve({
      ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
      token: url.searchParams.get('token'),
      register: url.searchParams.get('register'),
    });
    if (!access.ok) {
      const status = access.error.code === 'UNAUTHORIZED' ? '401 Unauthorized' : '409 Conflict';
      const body = JSON.stringify({ error: true, text: access.error.message });
      socket.end(
        `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const { principal, route, actor } = access;
      const sockets = this.byKey.get(principal.keyId) ?? new Set<WebSocket>();
      sockets.add(ws);
      this.byKey.set(principal.keyId, sockets);
      ws.on('close', () => {
        sockets.delete(ws);
        if (sockets.size === 0) this.byKey.delete(principal.keyId);
      });
      ws.on('error', () => undefined);
      ws.on('message', (data, isBinary) => {
        const raw = isBinary
          ? Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data as ArrayBuffer)])
          : data.toString();
        this.pos
          .handleWsFrame(route, raw as string | Buffer, actor)
          .catch((error: Error) => {
            this.logger.error({ err: error, register: route.registerId }, 'ws frame failed');
            return wsInternalErrorAnswer(raw as string | Buffer);
          })
          .then((answer) => {
            if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(answer));
          })
          .catch(() => undefined);
      });
    });
  }

  onApplicationShutdown(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }
}
