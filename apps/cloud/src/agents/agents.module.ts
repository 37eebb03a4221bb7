import { Module } from '@nestjs/common';

/** Admin API: agents (see docs/admin-api.md). */
@Module({})
export class AgentsAdminModule {}
