import { Module } from '@nestjs/common';
import { AuditLog } from '../admin/audit';
import { OperatorsController } from './operators.controller';
import { OperatorsService } from './operators.service';
import { RegisterOperators } from './register-operators';

/** Admin API: operators (see docs/admin-api.md). */
@Module({
  controllers: [OperatorsController],
  providers: [OperatorsService, RegisterOperators, AuditLog],
})
export class OperatorsAdminModule {}
