import { Public } from '../admin/auth.guard';
import { Controller, Get, Header, HttpException, HttpStatus } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CloudMetrics } from './cloud-metrics';
import { Database } from '../platform/database';
import { CommandRelay } from '../relay/command-relay';

/** Liveness, readiness (database and broker reachable) and Prometheus metrics. */
@ApiTags('operations')
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly database: Database,
    private readonly relay: CommandRelay,
    private readonly metrics: CloudMetrics,
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
    };
    const ready = Object.values(checks).every(Boolean);
    if (!ready) throw new HttpException({ status: 'not ready', checks }, HttpStatus.SERVICE_UNAVAILABLE);
    return { status: 'ready', checks };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  async prometheus(): Promise<string> {
    return this.metrics.render();
  }
}
