import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AdminAuthGuard } from './auth.guard';
import { AuditLog } from './audit';
import { AuthController } from './auth.controller';

/** The admin REST API under /api (JWT, roles admin / viewer, OpenAPI at /api/docs). */
@Module({
  controllers: [AuthController],
  providers: [AuditLog, { provide: APP_GUARD, useClass: AdminAuthGuard }],
})
export class AdminModule {}
