import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import type { CloudConfig } from './config/cloud-config';
import { AdminModule } from './admin/admin.module';
import { AgentsAdminModule } from './agents/agents.module';
import { OperatorsAdminModule } from './operators/operators.module';
import { PosKeysAdminModule } from './pos-keys/pos-keys.module';
import { CoreModule } from './core/core.module';
import { CloudMetrics } from './health/cloud-metrics';
import { HealthController } from './health/health.controller';
import { PosAccessService } from './pos/pos-access';
import { PosWebSocketServer } from './pos/pos-ws.server';
import { SaleController } from './pos/sale.controller';
import { ClusterSync } from './realtime/cluster-sync';
import { SocketIoHost } from './realtime/socket-io.host';

@Module({})
export class AppModule {
  static forRoot(config: CloudConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config, logger),
        AdminModule,
        AgentsAdminModule,
        OperatorsAdminModule,
        PosKeysAdminModule,
      ],
      controllers: [SaleController, HealthController],
      providers: [PosAccessService, PosWebSocketServer, SocketIoHost, ClusterSync, CloudMetrics],
    };
  }
}
