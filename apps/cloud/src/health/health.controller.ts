import {
  Controller,
  Get,
  Header,
  HttpException,
  HttpStatus,
  Inject,
  Req,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../admin/auth.guard';
import type { CloudConfig } from '../config/cloud-config';
import { ShutdownState } from '../core/shutdown-state';
import { CLOUD_CONFIG } from '../core/tokens';
import { Database } from '../platform/database';
import { CommandRelay } from '../relay/command-relay';
import { metricsAllowed } from '../security/http-security';
import { CloudMetrics } from './cloud-metrics';

/**
 * Liveness, readiness (database and broker reachable, and not stopping) and Prometheus metrics
 * (behind a bearer token when KASSA_METRICS_TOKEN is set).
 */
@ApiTags('operations')
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly database: Database,
    private readonly relay: CommandRelay,
    private readonly metrics: CloudMetrics,
    /** Stopping: a load balancer sends the instance nothing new while it answers what it took. */
    private readonly shutdown: ShutdownState,
    @Inject(CLOUD_CONFIG) private readonly config: CloudConfig,
  ) {}

  @Get('health')
  health() {
    return { status: 'ok' };
  }

  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  @Get('health/ready')
  async ready() {
    const checks = {
      database: await this.database.prisma.$queryRaw`SELECT 1`.then(
        () => true,
        () => false,
      ),
      broker: this.relay.connected,
      accepting: !this.shutdown.stopping,
    };
    const ready = Object.values(checks).every(Boolean);
    if (!ready) throw new HttpException({ status: 'not ready', checks }, HttpStatus.SERVICE_UNAVAILABLE);
    return { status: 'ready', checks };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  async prometheus(@Req() request: Request): Promise<string> {
    if (!metricsAllowed(this.config, request))
      throw new UnauthorizedException('/metrics needs Authorization: Bearer <KASSA_METRICS_TOKEN>');
    return this.metrics.render();
  }
}
