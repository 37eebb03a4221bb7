import 'reflect-metadata';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express from 'express';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import { ensureBootstrapAdmin } from './admin/bootstrap-admin';
import type { CloudConfig } from './config/cloud-config';
import { answerRefusedRequests } from './core/client-errors';
import { createLogger, PinoNestLogger } from './core/logger';
import { ShutdownState } from './core/shutdown-state';
import { ADMIN_BODY_LIMIT_BYTES, adminInput, rawTextBody, SALE_BODY_LIMIT_BYTES } from './core/raw-body';
import { Database } from './platform/database';
import { Messaging } from './platform/messaging';
import { AdminSessions } from './security/admin-sessions';
import { apiDocsAccess, securityHeaders } from './security/http-security';

export interface RunningCloud {
  app: INestApplication;
  url: string;
  port: number;
  mqttUrl: string;
  databaseUrl: string;
  logger: Logger;
  close(): Promise<void>;
}

/** Builds and starts the whole cloud: database (migrated), broker, relay, HTTP, WebSocket, socket.io. */
export async function startCloud(
  config: CloudConfig,
  logger: Logger = createLogger(config.logLevel),
): Promise<RunningCloud> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logger), {
    bodyParser: false,
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  answerRefusedRequests(app.getHttpServer(), logger);
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  // Security headers (CSP without unsafe-inline for the dashboard) on every answer.
  app.use(securityHeaders());
  // One structured line per request (health probes and metrics scrapes at debug level).
  app.use((request: express.Request, response: express.Response, next: express.NextFunction) => {
    const started = performance.now();
    response.on('finish', () => {
      const quiet = /^\/(health|metrics)/.test(request.path);
      logger[quiet ? 'debug' : 'info'](
        {
          method: request.method,
          path: request.path,
          status: response.statusCode,
          ms: Math.round(performance.now() - started),
        },
        'http request',
      );
    });
    next();
  });
  // /sale judges its own body (seed 001 code 2 for bad JSON, too deep or too large; code 3 for a
  // string PostgreSQL cannot store); the admin API's input is judged once for every route (413 over
  // the limit, 400 for too deep, malformed, or a NUL / lone surrogate in the body, path or query).
  app.use('/sale', rawTextBody(SALE_BODY_LIMIT_BYTES));
  app.use('/api', adminInput(ADMIN_BODY_LIMIT_BYTES));

  const openApi = new DocumentBuilder()
    .setTitle('kassa-relay cloud')
    .setDescription('Admin API (JWT from POST /api/auth/login), POS /sale (seed 001), operations.')
    .setVersion('1')
    .addBearerAuth()
    .build();
  app.use('/api/docs', apiDocsAccess(config, app.get(AdminSessions)));
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, openApi), {
    jsonDocumentUrl: 'api/docs/openapi.json',
  });

  if (config.dashboardDir && existsSync(join(config.dashboardDir, 'index.html'))) {
    const dir = config.dashboardDir;
    app.use(express.static(dir, { index: 'index.html', maxAge: '1h' }));
    // The dashboard routes on the client: unknown non-API paths get its index.html.
    app.use((request: express.Request, response: express.Response, next: express.NextFunction) => {
      if (request.method !== 'GET' || /^\/(api|sale|ws|socket\.io|health|metrics)(\/|$)/.test(request.path))
        return next();
      response.sendFile(join(dir, 'index.html'));
    });
  }

  await app.init();
  await ensureBootstrapAdmin(app.get(Database).prisma, config, logger);
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address() as { port: number };
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${host}:${address.port}`;
  const messaging = app.get(Messaging);
  const database = app.get(Database);
  logger.info(
    { url, mqtt: messaging.publicUrl(config, host), embeddedDatabase: database.embedded },
    'cloud started',
  );
  return {
    app,
    url,
    port: address.port,
    mqttUrl: messaging.publicUrl(config, host),
    databaseUrl: database.url,
    logger,
    close: async () => {
      // Once the HTTP server no longer listens, keep-alive connections (a load balancer's pool,
      // health probes) that go idle are closed at once: Node's close closes only those idle at that
      // moment, and each of the others would hold the stop for its keep-alive timeout. Not before:
      // until then requests may still come on them (readiness says 503 meanwhile).
      app.get(ShutdownState).begin();
      const server = app.getHttpServer() as Server;
      const sweep = setInterval(() => {
        if (!server.listening) server.closeIdleConnections();
      }, 250);
      try {
        await app.close();
      } finally {
        clearInterval(sweep);
      }
    },
  };
}
