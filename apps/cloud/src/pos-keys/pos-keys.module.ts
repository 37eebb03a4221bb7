import { Module } from '@nestjs/common';

/** Admin API: pos-keys (see docs/admin-api.md). */
@Module({})
export class PosKeysAdminModule {}
