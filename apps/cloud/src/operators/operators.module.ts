import { Module } from '@nestjs/common';

/** Admin API: operators (see docs/admin-api.md). */
@Module({})
export class OperatorsAdminModule {}
