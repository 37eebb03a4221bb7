import { Module } from '@nestjs/common';
import type { CloudConfig } from '../config/cloud-config';
import { CLOUD_CONFIG } from '../core/tokens';
import { AdminSessions } from '../security/admin-sessions';
import { LoginThrottle } from '../security/login-throttle';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { AuditController } from './audit/audit.controller';
import { AuditEntries } from './audit/audit-entries.service';
import { AdminAuthGuard } from './auth.guard';
import { AuditLog } from './audit';
import { AuthController } from './auth.controller';
import { ContractInterceptor } from './endpoint';
import { DocumentsController } from './documents/documents.controller';
import { DocumentsService } from './documents/documents.service';
import { RegisterCommands } from './registers/register-commands.service';
import { RegisterViews } from './registers/register-views';
import { RegistersController } from './registers/registers.controller';
import { RegistersService } from './registers/registers.service';
import { ReportsController } from './reports/reports.controller';
import { SalesReportService } from './reports/sales-report.service';
import { ShiftsController } from './shifts/shifts.controller';
import { ShiftsService } from './shifts/shifts.service';
import { StoresController } from './stores/stores.controller';
import { StoresService } from './stores/stores.service';
import { UsersController } from './users/users.controller';
import { UsersService } from './users/users.service';

/**
 * The admin REST API under /api (JWT, roles admin / viewer, OpenAPI at /api/docs), as
 * docs/admin-api.md specifies it. Agents, operators and POS keys have modules of their own.
 */
@Module({
  controllers: [
    AuthController,
    UsersController,
    StoresController,
    RegistersController,
    DocumentsController,
    ShiftsController,
    ReportsController,
    AuditController,
  ],
  providers: [
    AdminSessions,
    {
      provide: LoginThrottle,
      useFactory: (config: CloudConfig) => new LoginThrottle(config.login),
      inject: [CLOUD_CONFIG],
    },
    AuditLog,
    AuditEntries,
    UsersService,
    StoresService,
    RegisterViews,
    RegistersService,
    RegisterCommands,
    DocumentsService,
    ShiftsService,
    SalesReportService,
    { provide: APP_GUARD, useClass: AdminAuthGuard },
    { provide: APP_INTERCEPTOR, useClass: ContractInterceptor },
  ],
  exports: [AdminSessions, LoginThrottle],
})
export class AdminModule {}
