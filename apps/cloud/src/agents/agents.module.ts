import { Module } from '@nestjs/common';
import { AuditLog } from '../admin/audit';
import { AgentsController } from './agents.controller';
import { AgentsService } from './agents.service';
import { EnrollmentTokensController } from './enrollment-tokens.controller';
import { EnrollmentService } from './enrollment.service';

/** Admin API: agents and enrollment (see docs/admin-api.md). */
@Module({
  controllers: [AgentsController, EnrollmentTokensController],
  providers: [AgentsService, EnrollmentService, AuditLog],
})
export class AgentsAdminModule {}
